import { describe, expect, it } from "vitest";
import { sessionIds } from "../../src/ids/signed-session-id";
import { TEST_SHARED_SECRET } from "../constants";
import { countingWorker } from "./support/counting-worker";
import { AUTH, BASE_URL } from "./support/http";

/** The Worker, counting the Durable Objects it asks for, and a POST through it. */
function countingPoster(): {
  post: (path: string, body: unknown, headers?: Record<string, string>) => Promise<Response>;
  objects: () => number;
} {
  const counting = countingWorker();
  return {
    post: (path, body, headers = {}) =>
      counting.fetch(new URL(path, BASE_URL), {
        method: "POST",
        headers: { ...AUTH, "Content-Type": "application/json", Accept: "application/json, text/event-stream", ...headers },
        body: JSON.stringify(body)
      }),
    objects: counting.objects
  };
}

/** An id shaped like ours but never issued: 128 random bits, as session ids were before they were signed. */
const UNSIGNED_SESSION = "0123456789abcdef0123456789abcdef";
const UNSIGNED_JOB = `${UNSIGNED_SESSION}.0123456789abcdef`;

const MODERN_META = {
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientCapabilities": { extensions: { "io.modelcontextprotocol/tasks": {} } },
  "io.modelcontextprotocol/clientInfo": { name: "raw", version: "1" }
};

function modernHeaders(method: string, name: string): Record<string, string> {
  return { "MCP-Protocol-Version": "2026-07-28", "Mcp-Method": method, "Mcp-Name": name };
}

describe("signed session ids", () => {
  it("verify accepts the ids issue makes and nothing else", async () => {
    const ids = sessionIds(TEST_SHARED_SECRET);
    const issued = await ids.issue();
    expect(issued).toMatch(/^[0-9a-f]{32}$/);
    expect(await ids.verify(issued)).toBe(true);
    const flipped = issued.slice(0, 31) + (issued.endsWith("0") ? "1" : "0");
    expect(await ids.verify(flipped)).toBe(false);
    expect(await ids.verify(UNSIGNED_SESSION)).toBe(false);
    expect(await sessionIds("another secret of sixty-four characters.........................").verify(issued)).toBe(false);
  });

  it("a session-less /rpc call naming a job this server never issued is answered 'No job' with no Durable Object", async () => {
    const counting = countingPoster();
    const response = await counting.post("/rpc", {
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "getVideoAnalysis", arguments: { jobId: UNSIGNED_JOB } }
    });
    const { result } = (await response.json()) as { result: { isError: boolean; content: { text: string }[] } };
    expect(result.isError).toBe(true);
    expect(result.content[0]?.text).toMatch(/^No job 0123456789abcdef/);
    expect(counting.objects()).toBe(0);
  });

  it("a 2026-era call naming an unissued job, and tasks/get of an unissued task, make no Durable Object", async () => {
    const counting = countingPoster();
    const call = await counting.post(
      "/mcp",
      {
        jsonrpc: "2.0",
        id: 2,
        method: "tools/call",
        params: { name: "cancelVideoAnalysis", arguments: { jobId: UNSIGNED_JOB }, _meta: MODERN_META }
      },
      { ...modernHeaders("tools/call", "cancelVideoAnalysis"), "Mcp-Param-JobId": UNSIGNED_JOB }
    );
    expect(await call.json()).toMatchObject({
      result: { isError: true, content: [{ text: expect.stringMatching(/^No job /) }] }
    });
    const task = await counting.post(
      "/mcp",
      { jsonrpc: "2.0", id: 3, method: "tasks/get", params: { taskId: UNSIGNED_JOB, _meta: MODERN_META } },
      modernHeaders("tasks/get", UNSIGNED_JOB)
    );
    expect(await task.json()).toMatchObject({ error: { code: -32602 } });
    expect(counting.objects()).toBe(0);
  });

  it("a session id this server never issued is an unknown session, with no Durable Object", async () => {
    const counting = countingPoster();
    const response = await counting.post(
      "/mcp",
      { jsonrpc: "2.0", id: 4, method: "ping" },
      { "Mcp-Session-Id": UNSIGNED_SESSION }
    );
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { message: expect.stringContaining("Unknown or expired session") } });
    expect(counting.objects()).toBe(0);
  });
});
