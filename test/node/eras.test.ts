/**
 * Both protocol eras on the real server's `/mcp` at once: the SDK v2 client
 * negotiating 2026-07-28 (stateless) and the 2025 handshake (sessions), the
 * v1 SDK client (2025 only), and MCP Inspector's CLI in each era. Each lists
 * the tools and has the fake Gemini answer an analysis, with progress.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  Client as ClientV2,
  type Progress,
  StreamableHTTPClientTransport as HttpTransportV2
} from "@modelcontextprotocol/client";
import { Client as ClientV1 } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as HttpTransportV1 } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnProcessGroup } from "./support/process-group";
import { startStack, type Stack } from "./support/stack";

const VIDEO = "https://www.youtube.com/watch?v=dQw4w9WgXcQ";

let stack: Stack;
let inspectorHome: string;

beforeAll(async () => {
  stack = await startStack();
  inspectorHome = mkdtempSync(join(tmpdir(), "inspector-"));
});

afterAll(async () => {
  await stack?.stop();
  if (inspectorHome) rmSync(inspectorHome, { recursive: true, force: true });
});

const mcpUrl = () => new URL(`${stack.server.baseUrl}/mcp`);
const requestInit = () => ({ headers: { Authorization: `Bearer ${stack.server.secret}` } });

/** Anything that can list and call tools: the v1 and v2 SDK clients alike. */
interface ToolClient {
  listTools(): Promise<{ tools: { name: string }[] }>;
  close(): Promise<void>;
}

async function v2Client(mode: "auto" | "legacy"): Promise<ClientV2> {
  const client = new ClientV2({ name: `e2e-v2-${mode}`, version: "1.0.0" }, { versionNegotiation: { mode } });
  await client.connect(new HttpTransportV2(mcpUrl(), { requestInit: requestInit() }));
  return client;
}

async function v1Client(): Promise<ClientV1> {
  const client = new ClientV1({ name: "e2e-v1", version: "1.0.0" });
  await client.connect(new HttpTransportV1(mcpUrl(), { requestInit: requestInit() }));
  return client;
}

/** Lists the tools, then runs one analysis and returns its text and the progress seen. */
async function analyze(
  client: ToolClient,
  call: (onprogress: (update: Progress) => void) => Promise<Record<string, unknown>>
): Promise<{ text: string; progress: Progress[] }> {
  const { tools } = await client.listTools();
  expect(tools.map((tool) => tool.name)).toContain("analyzeRemoteVideo");
  const progress: Progress[] = [];
  const result = await call((update) => progress.push(update));
  expect(result.isError).toBeFalsy();
  return { text: (result.content as { text: string }[])[0]?.text ?? "", progress };
}

describe("SDK clients of both eras, connected at the same time", () => {
  it("each lists the tools and finishes an analysis with progress", async () => {
    const modern = await v2Client("auto");
    const legacyV2 = await v2Client("legacy");
    const legacyV1 = await v1Client();
    try {
      expect(modern.getNegotiatedProtocolVersion()).toBe("2026-07-28");
      expect(legacyV2.getNegotiatedProtocolVersion()).toBe("2025-11-25");
      const args = { name: "analyzeRemoteVideo", arguments: { videoUrl: VIDEO } };
      stack.gemini.enqueue(
        { kind: "answer", chunks: ["one ", "answer"], chunkDelayMs: 400 },
        { kind: "answer", chunks: ["one ", "answer"], chunkDelayMs: 400 },
        { kind: "answer", chunks: ["one ", "answer"], chunkDelayMs: 400 }
      );
      const runs = await Promise.all([
        analyze(modern, (onprogress) => modern.callTool(args, { onprogress, resetTimeoutOnProgress: true })),
        analyze(legacyV2, (onprogress) => legacyV2.callTool(args, { onprogress, resetTimeoutOnProgress: true })),
        analyze(legacyV1, (onprogress) => legacyV1.callTool(args, undefined, { onprogress, resetTimeoutOnProgress: true }))
      ]);
      for (const run of runs) {
        expect(run.text).toBe("one answer");
        expect(run.progress.map((update) => update.message)).toContainEqual(
          expect.stringMatching(/^Gemini is watching the video/)
        );
        const values = run.progress.map((update) => update.progress);
        expect(values).toEqual([...values].sort((a, b) => a - b));
      }
    } finally {
      await Promise.all([modern.close(), legacyV2.close(), legacyV1.close()]);
    }
  });
});

describe("MCP Inspector CLI", () => {
  let runs = 0;
  const launcher = join(
    createRequire(import.meta.url).resolve("@modelcontextprotocol/inspector/package.json"),
    "..",
    "clients",
    "launcher",
    "build",
    "index.js"
  );

  /** Runs the CLI with the bearer header; its result, which it writes to a file (its own notes go to stderr). */
  async function inspect(era: string, ...args: string[]): Promise<unknown> {
    const resultFile = join(inspectorHome, `result-${++runs}.json`);
    const run = spawnProcessGroup(
      [
        launcher,
        "--cli",
        mcpUrl().href,
        "--protocol-era",
        era,
        "--header",
        `Authorization: Bearer ${stack.server.secret}`,
        "--output",
        resultFile,
        ...args
      ],
      {
        cwd: inspectorHome,
        env: { PATH: process.env.PATH ?? "", HOME: inspectorHome, MCP_CATALOG_PATH: join(inspectorHome, "mcp.json") }
      }
    );
    const exitCode = await run.exit;
    expect(exitCode, run.output()).toBe(0);
    return JSON.parse(readFileSync(resultFile, "utf8"));
  }

  it.each(["legacy", "modern"])("lists the tools and calls one in the %s era", async (era) => {
    const listed = (await inspect(era, "--method", "tools/list")) as { tools: { name: string }[] };
    expect(listed.tools.map((tool) => tool.name)).toContain("analyzeRemoteVideo");
    stack.gemini.enqueue({ kind: "answer", chunks: ["inspected"] });
    const called = (await inspect(
      era,
      "--method",
      "tools/call",
      "--tool-name",
      "analyzeRemoteVideo",
      "--tool-arg",
      `videoUrl=${VIDEO}`
    )) as { content: { text: string }[] };
    expect(called.content).toEqual([{ type: "text", text: "inspected" }]);
  });
});
