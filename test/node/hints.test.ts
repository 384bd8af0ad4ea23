import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
// @ts-expect-error -- plain ESM script without type declarations
import { connectionHints } from "../../scripts/hints.mjs";

describe("connectionHints", () => {
  const secret = "s".repeat(64);
  const dir = mkdtempSync(join(tmpdir(), "hints-"));
  const varsFile = join(dir, ".dev.vars");
  writeFileSync(varsFile, `# settings\nSHARED_SECRET=${secret}\nGOOGLE_API_KEY=\n`);
  const text: string = connectionHints("http://127.0.0.1:8787", varsFile);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("never prints the secret", () => {
    expect(text).not.toContain(secret);
  });

  it("prints a Claude Desktop block that is valid JSON and runs mcp-remote against /mcp", () => {
    const start = text.indexOf("{", text.indexOf("Claude Desktop"));
    const end = text.indexOf("\n\nClaude Code");
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
    expect(entry.env.AUTH_HEADER).toBe("Bearer <SHARED_SECRET>");
  });

  it("prints shell lines that read the secret from the settings file and use it, as a shell runs them", () => {
    const lines = text.split("\n").map((line) => line.trim());
    const assignment = lines.find((line) => line.startsWith("SECRET="))!;
    const curl = lines.find((line) => line.startsWith("curl -N"))!;
    const echoed = execFileSync("sh", ["-c", `${assignment}; echo "${curl.replace(/"/g, '\\"')}"`], { encoding: "utf8" });
    expect(echoed.trim()).toBe(`curl -N -H "Authorization: Bearer ${secret}" http://127.0.0.1:8787/sse`);
    expect(text).toContain(
      'claude mcp add --transport http gemini-video http://127.0.0.1:8787/mcp --header "Authorization: Bearer $SECRET"'
    );
  });
});
