import { exports } from "cloudflare:workers";
import { Client, type Progress, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { afterEach, describe, expect, it } from "vitest";
import { countingWorker } from "./support/counting-worker";
import { useFakeGemini } from "./support/fetch-spy";
import { runInDurableObject } from "cloudflare:test";
import type { StreamableHttpSession } from "../../src/transport/streamable-http";
import { AUTH, BASE_URL, authed, initializeMcpSession, postJson, SseReader, sessionStub } from "./support/http";

const fake = useFakeGemini();

const MODERN = "2026-07-28";
const ENVELOPE = {
  "io.modelcontextprotocol/protocolVersion": MODERN,
  "io.modelcontextprotocol/clientCapabilities": {},
  "io.modelcontextprotocol/clientInfo": { name: "raw", version: "1" }
};
const VIDEO = "https://youtu.be/dQw4w9WgXcQ";

/** The SDK v2 client; `auto` negotiates the newest era the server speaks, `legacy` is the 2025 handshake. */
async function connect(
  mode: "auto" | "legacy",
  fetcher: typeof fetch = (input, init) => exports.default.fetch(new Request(input, init))
): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const transport = new StreamableHTTPClientTransport(new URL("/mcp", BASE_URL), {
    fetch: fetcher,
    requestInit: { headers: AUTH }
  });
  const client = new Client({ name: "workerd-v2", version: "1.0.0" }, { versionNegotiation: { mode } });
  await client.connect(transport);
  open.push(client);
  return { client, transport };
}

const open: Client[] = [];
afterEach(async () => {
  for (const client of open.splice(0)) await client.close();
});

/** A raw 2026-era POST with the headers the spec asks for. */
function modernPost(method: string, params: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Response> {
  return postJson(
    "/mcp",
    { jsonrpc: "2.0", id: 7, method, params: { ...params, _meta: ENVELOPE } },
    {
      Accept: "application/json, text/event-stream",
      "MCP-Protocol-Version": MODERN,
      "Mcp-Method": method,
      ...(typeof params.name === "string" ? { "Mcp-Name": params.name } : {}),
      ...headers
    }
  );
}

describe("/mcp in the 2026-07-28 era", () => {
  it("an SDK v2 client negotiates 2026-07-28 and lists the tools without any Durable Object", async () => {
    const counting = countingWorker();
    const { client, transport } = await connect("auto", counting.fetch);
    expect(client.getNegotiatedProtocolVersion()).toBe(MODERN);
    expect(transport.sessionId).toBeUndefined();
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toContain("analyzeRemoteVideo");
    expect(client.getServerVersion()).toMatchObject({ name: "gemini-video-mcp" });
    expect(counting.objects()).toBe(0);
  });

  it("tools/list carries resultType and cache hints the tool list can bear", async () => {
    const response = await modernPost("tools/list", {});
    expect(response.status).toBe(200);
    const body = (await response.json()) as { result: { resultType: string; ttlMs: number; cacheScope: string } };
    expect(body.result).toMatchObject({ resultType: "complete", ttlMs: 300_000, cacheScope: "public" });
  });

  it("a tool call streams its progress on its own response and ends with the result, in a Durable Object", async () => {
    const counting = countingWorker();
    const { client } = await connect("auto", counting.fetch);
    fake.enqueue({ kind: "answer", chunks: ["alpha ", "beta ", "gamma"], chunkDelayMs: 300 });
    const progress: Progress[] = [];
    const result = await client.callTool(
      { name: "analyzeRemoteVideo", arguments: { videoUrl: VIDEO } },
      { onprogress: (update) => progress.push(update) }
    );
    expect(result.content).toEqual([{ type: "text", text: "alpha beta gamma" }]);
    expect(progress.length).toBeGreaterThanOrEqual(3);
    expect(progress.at(-1)).toMatchObject({ message: "done", progress: 100, total: 100 });
    const values = progress.map((update) => update.progress);
    expect(values).toEqual([...values].sort((a, b) => a - b));
    expect(counting.objects()).toBe(1);
  });

  it("a follow-up names its job by jobId, mirrored in Mcp-Param-JobId", async () => {
    const { client } = await connect("auto");
    fake.enqueue({ kind: "answer", chunks: ["first"] }, { kind: "answer", chunks: ["second"] });
    const first = await client.callTool({ name: "analyzeRemoteVideo", arguments: { videoUrl: VIDEO } });
    const { jobId } = first.structuredContent as { jobId: string };
    const got = await client.callTool({ name: "getVideoAnalysis", arguments: { jobId } });
    expect(got.structuredContent).toMatchObject({ jobId, status: "done" });
    expect(got.content).toEqual([{ type: "text", text: expect.stringContaining("first") }]);
    const followUp = await client.callTool({ name: "askAboutVideo", arguments: { jobId, question: "And then?" } });
    expect(followUp.content).toEqual([{ type: "text", text: "second" }]);
  });

  it("refuses an Mcp-Method header that disagrees with the body: HTTP 400, -32020", async () => {
    const response = await modernPost("tools/list", {}, { "Mcp-Method": "tools/call" });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ id: 7, error: { code: -32020 } });
  });

  it("refuses a jobId whose Mcp-Param-JobId header is missing: HTTP 400, -32020", async () => {
    const response = await modernPost("tools/call", { name: "getVideoAnalysis", arguments: { jobId: "job-1" } });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ id: 7, error: { code: -32020 } });
  });

  it("refuses a request without its _meta envelope: HTTP 400, -32602", async () => {
    const response = await postJson(
      "/mcp",
      { jsonrpc: "2.0", id: 8, method: "tools/list", params: {} },
      { Accept: "application/json, text/event-stream", "MCP-Protocol-Version": MODERN, "Mcp-Method": "tools/list" }
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ id: 8, error: { code: -32602 } });
  });

  it("answers both of two in-flight calls with the same id: each request is its own exchange", async () => {
    fake.enqueue({ kind: "answer", chunks: ["slow ", "answer"], chunkDelayMs: 300 });
    const slow = modernPost("tools/call", { name: "analyzeRemoteVideo", arguments: { videoUrl: VIDEO } });
    const quick = await modernPost("tools/call", { name: "listVideoAnalyses", arguments: {} });
    expect(await quick.text()).toContain('"jobs"');
    const slowText = await (await slow).text();
    expect(slowText).toContain("slow answer");
    expect(slowText).toContain('"id":7');
  });

  it("answers server/discover with the era's version and the server's capabilities", async () => {
    const response = await modernPost("server/discover", {});
    const body = (await response.json()) as { result: { supportedVersions: string[]; capabilities: object } };
    expect(body.result.supportedVersions).toContain(MODERN);
    expect(body.result.capabilities).toMatchObject({ tools: {} });
  });
});

describe("/mcp with both eras at once", () => {
  it("a 2025-era and a 2026-era client, connected at the same time, each list tools and finish an analysis with progress", async () => {
    const legacy = await connect("legacy");
    const modern = await connect("auto");
    expect(legacy.transport.sessionId).toMatch(/^[0-9a-f]{32}$/);
    expect(legacy.client.getNegotiatedProtocolVersion()).toBe("2025-11-25");
    expect(modern.client.getNegotiatedProtocolVersion()).toBe(MODERN);
    for (const { client } of [legacy, modern]) {
      expect((await client.listTools()).tools.length).toBeGreaterThan(0);
    }
    fake.enqueue(
      { kind: "answer", chunks: ["one ", "two"], chunkDelayMs: 200 },
      { kind: "answer", chunks: ["three ", "four"], chunkDelayMs: 200 }
    );
    const progress: Progress[][] = [[], []];
    const results = await Promise.all(
      [legacy, modern].map(({ client }, index) =>
        client.callTool(
          { name: "analyzeRemoteVideo", arguments: { videoUrl: VIDEO } },
          { onprogress: (update) => progress[index]?.push(update) }
        )
      )
    );
    const texts = results.map((result) => (result.content as { text: string }[])[0]?.text).sort();
    expect(texts).toEqual(["one two", "three four"]);
    for (const updates of progress) expect(updates.at(-1)).toMatchObject({ message: "done", progress: 100 });
  });
});

describe("/mcp in the 2025 era", () => {
  it("answers both of two in-flight requests with the same id, or refuses the second", async () => {
    const sessionId = await initializeMcpSession();
    const headers = { Accept: "application/json, text/event-stream", "Mcp-Session-Id": sessionId };
    fake.enqueue({ kind: "answer", chunks: ["slow ", "answer"], chunkDelayMs: 300 });
    const call = {
      jsonrpc: "2.0",
      id: 5,
      method: "tools/call",
      params: { name: "analyzeRemoteVideo", arguments: { videoUrl: VIDEO } }
    };
    const first = postJson("/mcp", call, headers);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const second = await postJson("/mcp", { jsonrpc: "2.0", id: 5, method: "tools/list" }, headers);
    const secondText = await second.text();
    const firstText = await (await first).text();
    expect(firstText).toContain('"id":5');
    expect(firstText).toContain("slow answer");
    const refused = second.status === 409 && secondText.includes('"code":-32600');
    expect(refused || secondText.includes('"tools"')).toBe(true);
  });

  it("a stream resumed after its request finished replays the result and ends, leaving no open stream", async () => {
    const sessionId = await initializeMcpSession();
    const headers = {
      Accept: "application/json, text/event-stream",
      "Mcp-Session-Id": sessionId,
      // 2025-11-25 streams open with a priming event, so the reply comes after it.
      "MCP-Protocol-Version": "2025-11-25"
    };
    // A tool call is answered on a stream (a tools/list reply is a plain JSON body).
    const listCall = { jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "listVideoAnalyses", arguments: {} } };
    const listed = new SseReader((await postJson("/mcp", listCall, headers)).body!);
    const priming = await listed.nextEvent();
    expect(priming.data).toBe("");
    const firstId = priming.id!;
    await listed.cancel();
    const resumed = await authed("/mcp", { method: "GET", headers: { ...headers, "Last-Event-ID": firstId } });
    expect(resumed.status).toBe(200);
    const replay = new SseReader(resumed.body!);
    const messages: unknown[] = [];
    await expect(
      (async () => {
        for (;;) {
          const frame = await replay.nextEvent(["ping"], 5_000);
          if (frame.data) messages.push(JSON.parse(frame.data));
        }
      })()
    ).rejects.toThrow("SSE stream ended");
    expect(messages.at(-1)).toMatchObject({ id: 3, result: { structuredContent: { jobs: [] } } });
    const open = await runInDurableObject(sessionStub(sessionId), async (instance) => {
      // SAFETY: `channels` (SessionDO) and its `http` (SessionChannels) are private fields, present at run time.
      const http = await (instance as unknown as { channels: { http: Promise<StreamableHttpSession> } }).channels.http;
      return http.hasOpenStreams;
    });
    expect(open).toBe(false);
  });

  it("answers tools/list in a session at once as a JSON body, storing no event for it", async () => {
    const sessionId = await initializeMcpSession();
    const headers = { Accept: "application/json, text/event-stream", "Mcp-Session-Id": sessionId };
    const events = () =>
      runInDurableObject(sessionStub(sessionId), (_, state) => {
        const exists = [...state.storage.sql.exec("SELECT name FROM sqlite_master WHERE name = 'mcp_events'")].length > 0;
        return exists ? Number([...state.storage.sql.exec("SELECT COUNT(*) AS n FROM mcp_events")][0]?.n) : 0;
      });
    const before = await events();
    const listed = await postJson("/mcp", { jsonrpc: "2.0", id: 4, method: "tools/list" }, headers);
    expect(listed.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(listed.headers.get("Mcp-Session-Id")).toBe(sessionId);
    expect(await listed.json()).toMatchObject({ id: 4, result: { tools: expect.arrayContaining([expect.anything()]) } });
    expect(await events()).toBe(before);
  });

  it("still refuses tools/list before initialize, as the SDK does", async () => {
    const refused = await postJson(
      "/mcp",
      { jsonrpc: "2.0", id: 4, method: "tools/list" },
      { Accept: "application/json, text/event-stream" }
    );
    expect(refused.status).toBe(400);
  });
});
