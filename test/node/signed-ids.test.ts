/**
 * On the real server: ids this server never issued (forged, mistyped, or
 * from before ids were signed) are refused before any Durable Object is
 * made, counted as the SQLite files workerd keeps for session objects.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postJson, sessionDatabaseFiles } from "./support/session-objects";
import { startStack, type Stack } from "./support/stack";

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});

afterAll(async () => {
  await stack?.stop();
});

const UNSIGNED_SESSION = "0123456789abcdef0123456789abcdef";
const UNSIGNED_JOB = `${UNSIGNED_SESSION}.0123456789abcdef`;
const MODERN_META = {
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientCapabilities": { extensions: { "io.modelcontextprotocol/tasks": {} } },
  "io.modelcontextprotocol/clientInfo": { name: "e2e", version: "1" }
};

/** The session objects workerd has a database for. */
function sessionDatabases(): number {
  return sessionDatabaseFiles(stack.server).length;
}

function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return postJson(stack.server, path, body, headers);
}

const modern = (method: string, name: string) => ({
  "MCP-Protocol-Version": "2026-07-28",
  "Mcp-Method": method,
  "Mcp-Name": name
});

describe("ids this server never issued", () => {
  it("are refused without a Durable Object, while a session-less call that starts an analysis does make one", async () => {
    const before = sessionDatabases();
    const rpc = await post("/rpc", {
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "getVideoAnalysis", arguments: { jobId: UNSIGNED_JOB } }
    });
    expect(await rpc.json()).toMatchObject({ result: { isError: true, content: [{ text: expect.stringMatching(/^No job /) }] } });
    const call = await post(
      "/mcp",
      {
        jsonrpc: "2.0",
        id: 2,
        method: "tools/call",
        params: { name: "cancelVideoAnalysis", arguments: { jobId: UNSIGNED_JOB }, _meta: MODERN_META }
      },
      { ...modern("tools/call", "cancelVideoAnalysis"), "Mcp-Param-JobId": UNSIGNED_JOB }
    );
    expect(await call.json()).toMatchObject({ result: { isError: true } });
    const task = await post(
      "/mcp",
      { jsonrpc: "2.0", id: 3, method: "tasks/get", params: { taskId: UNSIGNED_JOB, _meta: MODERN_META } },
      modern("tasks/get", UNSIGNED_JOB)
    );
    expect(await task.json()).toMatchObject({ error: { code: -32602 } });
    const session = await post("/mcp", { jsonrpc: "2.0", id: 4, method: "ping" }, { "Mcp-Session-Id": UNSIGNED_SESSION });
    expect(session.status).toBe(404);
    const sse = await fetch(`${stack.server.baseUrl}/sse?sessionId=${UNSIGNED_SESSION}`, {
      headers: { Authorization: `Bearer ${stack.server.secret}` }
    });
    expect(sse.status).toBe(404);
    await sse.body?.cancel();
    expect(sessionDatabases()).toBe(before);

    // The count does move: a call that starts an analysis gets an object of its own (its video's).
    const videoUrl = stack.videos.add("/signed-ids.mp4", { size: 64 * 1024 });
    const started = await post("/rpc", {
      jsonrpc: "2.0",
      id: 5,
      method: "tools/call",
      params: { name: "startVideoAnalysis", arguments: { videoUrl } }
    });
    expect(await started.json()).toMatchObject({ result: { structuredContent: { jobId: expect.any(String) } } });
    expect(sessionDatabases()).toBe(before + 1);
  });
});
