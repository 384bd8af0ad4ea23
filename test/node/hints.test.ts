import { describe, expect, it } from "vitest";
// @ts-expect-error -- plain ESM script without type declarations
import { connectionHints } from "../../scripts/hints.mjs";

describe("connectionHints", () => {
  const secret = "s".repeat(64);
  const text: string = connectionHints("http://127.0.0.1:8787", secret);

  it("prints a Claude Desktop block that is valid JSON and runs mcp-remote against /mcp", () => {
    const start = text.indexOf("{", text.indexOf("Claude Desktop"));
    const end = text.indexOf("\n\nClaude Code:");
    const config = JSON.parse(text.slice(start, end)) as {
      mcpServers: Record<string, { command: string; args: string[]; env: Record<string, string> }>;
    };
    const entry = config.mcpServers["gemini-video"]!;
    expect(entry.command).toBe("npx");
    expect(entry.args).toEqual([
      "-y",
      "mcp-remote",
      "http://127.0.0.1:8787/mcp",
      "--transport",
      "http-only",
      "--header",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: mcp-remote expands ${AUTH_HEADER} from its environment
      "Authorization:${AUTH_HEADER}"
    ]);
    expect(entry.env.AUTH_HEADER).toBe(`Bearer ${secret}`);
  });

  it("prints curl lines and the Claude Code command with the secret filled in", () => {
    expect(text).toContain(`curl -N -H "Authorization: Bearer ${secret}" http://127.0.0.1:8787/sse`);
    expect(text).toContain(
      `claude mcp add --transport http gemini-video http://127.0.0.1:8787/mcp --header "Authorization: Bearer ${secret}"`
    );
  });
});
