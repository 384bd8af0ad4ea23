/**
 * On the real server: session-less calls leave no Durable Object behind but
 * the ones their analyses need, and those go after SESSION_TTL_SECONDS.
 * Counted as the SQLite files workerd keeps for session objects that hold
 * any table: a deleted object's file stays, as an empty database of one page.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sleep } from "./support/process-group";
import { postJson, sessionDatabaseFiles, tableCount } from "./support/session-objects";
import { startStack, type Stack } from "./support/stack";

const TTL_SECONDS = 4;
const MODERN_META = {
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientCapabilities": {},
  "io.modelcontextprotocol/clientInfo": { name: "e2e", version: "1" }
};

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ SESSION_TTL_SECONDS: String(TTL_SECONDS) });
});

afterAll(async () => {
  await stack?.stop();
});

/** The session objects workerd holds storage for. */
function sessionDatabases(): string[] {
  return sessionDatabaseFiles(stack.server).filter((file) => tableCount(file) > 0);
}

async function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<unknown> {
  const response = await postJson(stack.server, path, body, headers);
  const text = await response.text();
  expect(response.status, text).toBeLessThan(500);
  return text.startsWith("data:") || text.startsWith("event:") ? text : text ? JSON.parse(text) : undefined;
}

const call = (id: number, name: string, args: Record<string, unknown>) => ({
  jsonrpc: "2.0",
  id,
  method: "tools/call",
  params: { name, arguments: args }
});

function modernCall(id: number, name: string, args: Record<string, unknown>, headers: Record<string, string> = {}) {
  const body = { ...call(id, name, args), params: { name, arguments: args, _meta: MODERN_META } };
  const jobHeader = typeof args.jobId === "string" ? { "Mcp-Param-JobId": args.jobId } : {};
  return post("/mcp", body, {
    "MCP-Protocol-Version": "2026-07-28",
    "Mcp-Method": "tools/call",
    "Mcp-Name": name,
    ...jobHeader,
    ...headers
  });
}

/** Every kind of session-less call a client makes all day that starts no analysis, in both eras. */
function idleCalls(jobId: string, videoUrl: string): (() => Promise<unknown>)[] {
  return [
    () => post("/rpc", call(1, "getVideoAnalysis", { jobId })),
    () => modernCall(2, "getVideoAnalysis", { jobId }),
    () => post("/rpc", call(3, "listVideoAnalyses", {})),
    () => modernCall(4, "listVideoAnalyses", {}),
    () => post("/rpc", call(5, "analyzeRemoteVideo", { videoUrl: "ftp://example.com/a.mp4" })),
    () => post("/rpc", call(6, "startVideoAnalysis", { videoUrl: "https://www.youtube.com/watch?v=" })),
    () => modernCall(7, "startVideoAnalysis", { videoUrl: "not a url" }),
    () => modernCall(8, "summarizeVideo", { videoUrl, fps: 99 }),
    () => post("/rpc", call(9, "askAboutVideo", { videoUrl, question: "" })),
    () => modernCall(10, "askAboutVideo", { videoUrl, jobId, question: "Both?" }),
    () => modernCall(11, "getVideoAnalysis", { jobId }, { "Mcp-Name": "cancelVideoAnalysis" }),
    () => post("/rpc", [call(12, "getVideoAnalysis", {}), call(13, "nope", {})]),
    () => post("/mcp", [call(14, "listVideoAnalyses", {})], { "MCP-Protocol-Version": "2026-07-28" }),
    () => post("/rpc", "{not json"),
    () => post("/rpc", call(15, "startVideoAnalysis", { videoUrl, endOffset: 1, startOffset: 5 }))
  ];
}

describe("session-less calls", () => {
  it("leave no Durable Object behind but their analyses', and those go after SESSION_TTL_SECONDS", async () => {
    const before = sessionDatabases().length;
    const videoUrl = stack.videos.add("/orphans.mp4", { size: 256 * 1024 });
    const started = (await post("/rpc", call(0, "startVideoAnalysis", { videoUrl }))) as {
      result: { structuredContent: { jobId: string } };
    };
    const { jobId } = started.result.structuredContent;
    const calls = idleCalls(jobId, videoUrl);
    for (let i = 0; i < 100; i++) await calls[i % calls.length]!();
    const finished = (await post("/rpc", call(99, "getVideoAnalysis", { jobId, waitSeconds: 30 }))) as {
      result: { structuredContent: { status: string } };
    };
    expect(finished.result.structuredContent.status).toBe("done");
    // The video's own object, which ran the analysis and keeps its upload.
    expect(sessionDatabases().length).toBe(before + 1);

    // An initialize the SDK refuses still reaches an object, which keeps nothing: it goes too.
    const refused = await post("/mcp", { jsonrpc: "2.0", id: 100, method: "initialize", params: {} });
    expect(refused).toMatchObject({ error: { message: expect.stringMatching(/not initialized/) } });
    expect(sessionDatabases().length).toBe(before + 2);

    const deadline = Date.now() + (TTL_SECONDS + 20) * 1000;
    while (sessionDatabases().length > before && Date.now() < deadline) await sleep(500);
    expect(sessionDatabases().length).toBe(before);
  }, 90_000);
});
