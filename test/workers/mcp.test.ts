import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { Progress } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import worker from "../../src/worker";
import { useFakeGemini } from "./support/fetch-spy";
import { AUTH, call, sessionStub, SseReader } from "./support/http";
import { expectJsonRpcRefusal } from "./support/refusals";
import { connectSdkClient } from "./support/sdk-client";

const fake = useFakeGemini();

function connect() {
  return connectSdkClient("workerd-test");
}

describe("/mcp Streamable HTTP", () => {
  it("initializes with a session id, lists tools and calls one with progress", async () => {
    const { client, transport } = await connect();
    expect(transport.sessionId).toMatch(/^[0-9a-f]{32}$/);
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toContain("analyzeRemoteVideo");

    fake.enqueue({ kind: "answer", chunks: ["alpha ", "beta ", "gamma"], chunkDelayMs: 300 });
    const progress: Progress[] = [];
    const result = await client.callTool(
      { name: "analyzeRemoteVideo", arguments: { videoUrl: "https://youtu.be/dQw4w9WgXcQ" } },
      undefined,
      { onprogress: (update) => progress.push(update) }
    );
    expect(result.content).toEqual([{ type: "text", text: "alpha beta gamma" }]);
    expect(progress.length).toBeGreaterThanOrEqual(3);
    expect(progress.map((update) => update.message)).toContainEqual(expect.stringMatching(/^Gemini is watching the video/));
    expect(progress.at(-1)).toMatchObject({ message: "done", progress: 100, total: 100 });
    const values = progress.map((update) => update.progress);
    expect(values).toEqual([...values].sort((a, b) => a - b));
  });

  it("runs every analysis tool, the SDK client checking each structured result against its outputSchema", async () => {
    const { client } = await connect();
    const videoUrl = "https://youtu.be/dQw4w9WgXcQ";
    const chapters = { title: "T", summary: "S", chapters: [{ start: "00:00", end: "00:10", title: "C", summary: "c" }] };
    const transcript = { language: "en", segments: [{ start: "00:01", speaker: "Speaker 1", text: "Hi." }] };
    fake.enqueue(
      { kind: "answer", chunks: ["first answer"] },
      { kind: "answer", chunks: ["follow-up answer"] },
      { kind: "answer", chunks: [JSON.stringify(chapters)] },
      { kind: "answer", chunks: [JSON.stringify(transcript)] }
    );
    const first = await client.callTool({ name: "analyzeRemoteVideo", arguments: { videoUrl, fps: 1.5 } });
    const { jobId } = first.structuredContent as { jobId: string };
    const followUp = await client.callTool({ name: "askAboutVideo", arguments: { jobId, question: "And?" } });
    expect(followUp.content).toEqual([{ type: "text", text: "follow-up answer" }]);
    const summary = await client.callTool({ name: "summarizeVideo", arguments: { videoUrl } });
    expect(summary.structuredContent).toMatchObject(chapters);
    const transcribed = await client.callTool({ name: "transcribeVideo", arguments: { videoUrl } });
    expect(transcribed.structuredContent).toMatchObject(transcript);
    expect([first, followUp, summary, transcribed].map((result) => result.isError ?? false)).toEqual([
      false,
      false,
      false,
      false
    ]);
    type VideoRequest = { contents: { parts: { videoMetadata?: { fps?: number } }[] }[]; cachedContent?: string };
    // The follow-up is asked with a context cache: its video part went to Gemini when the cache was made.
    const cacheCreations = fake.requests.filter(
      (request) => request.method === "POST" && request.path === "/v1beta/cachedContents"
    );
    const fps = fake.generateRequests().map((request) => {
      const body = request.body as VideoRequest;
      const withVideo = body.cachedContent ? (cacheCreations.shift()?.body as VideoRequest) : body;
      return withVideo.contents[0]!.parts[0]!.videoMetadata?.fps;
    });
    expect(fps).toEqual([1.5, 1.5, undefined, undefined]);
  });

  it("keeps working after the Durable Object restarts", async () => {
    const { client, transport } = await connect();
    await evictDurableObject(sessionStub(transport.sessionId!));
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toContain("getVideoAnalysis");
  });

  it("ends the session on DELETE; later requests get 404", async () => {
    const { client, transport } = await connect();
    const sessionId = transport.sessionId!;
    await transport.terminateSession();
    await client.close();
    const response = await call("/mcp", {
      method: "POST",
      headers: {
        ...AUTH,
        "Mcp-Session-Id": sessionId,
        "Content-Type": "application/json",
        Accept: "application/json, text/event-stream"
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" })
    });
    expect(response.status).toBe(404);
  });

  it("refuses a request without a session that is not initialize", async () => {
    const response = await call("/mcp", {
      method: "POST",
      headers: { ...AUTH, "Content-Type": "application/json", Accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" })
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: -32000 } });
  });

  it("refuses an unsupported MCP-Protocol-Version", async () => {
    const { transport } = await connect();
    const response = await call("/mcp", {
      method: "POST",
      headers: {
        ...AUTH,
        "Mcp-Session-Id": transport.sessionId!,
        "MCP-Protocol-Version": "1999-01-01",
        "Content-Type": "application/json",
        Accept: "application/json, text/event-stream"
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" })
    });
    expect(response.status).toBe(400);
    expect(JSON.stringify(await response.json())).toContain("Unsupported protocol version");
  });

  it.each(["2025-03-26", "2025-06-18", "2025-11-25"])("negotiates protocol version %s", async (version) => {
    const response = await call("/mcp", {
      method: "POST",
      headers: { ...AUTH, "Content-Type": "application/json", Accept: "application/json, text/event-stream" },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: version, capabilities: {}, clientInfo: { name: "curl", version: "1" } }
      })
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("Mcp-Session-Id")).toMatch(/^[0-9a-f]{32}$/);
    const text = await response.text();
    expect(text).toContain(`"protocolVersion":"${version}"`);
  });
});

describe("/mcp resumption", () => {
  const headers = (sessionId?: string) => ({
    ...AUTH,
    "Content-Type": "application/json",
    Accept: "application/json, text/event-stream",
    "MCP-Protocol-Version": "2025-11-25",
    ...(sessionId ? { "Mcp-Session-Id": sessionId } : {})
  });

  it("replays a call's events after Last-Event-ID on a GET, result included", { timeout: 20_000 }, async () => {
    fake.enqueue({ kind: "answer", chunks: ["one ", "two ", "three"], chunkDelayMs: 300 });
    const initialized = await call("/mcp", {
      method: "POST",
      headers: headers(),
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "1" } }
      })
    });
    const sessionId = initialized.headers.get("Mcp-Session-Id")!;
    await initialized.text();
    const post = await call("/mcp", {
      method: "POST",
      headers: headers(sessionId),
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 2,
        method: "tools/call",
        params: {
          name: "analyzeRemoteVideo",
          arguments: { videoUrl: "https://youtu.be/dQw4w9WgXcQ" },
          _meta: { progressToken: 7 }
        }
      })
    });
    const first = new SseReader(post.body!);
    let lastSeen: { id?: string; data: string };
    do {
      const frame = await first.nextEvent();
      lastSeen = frame;
    } while (!lastSeen.data.includes("notifications/progress"));
    // The client drops this stream; the call runs on and its events are stored.
    await first.cancel();
    await new Promise((resolve) => setTimeout(resolve, 2_000));

    const resumed = await call("/mcp", { method: "GET", headers: { ...headers(sessionId), "Last-Event-ID": lastSeen.id! } });
    expect(resumed.status).toBe(200);
    const replay = new SseReader(resumed.body!);
    const messages: { id?: number; method?: string; result?: { content: { text: string }[] } }[] = [];
    for (;;) {
      const frame = await replay.nextEvent(["ping"], 5_000);
      if (!frame.data.trim()) continue;
      const message = JSON.parse(frame.data) as (typeof messages)[number];
      messages.push(message);
      if (message.id === 2) break;
    }
    expect(messages.slice(0, -1).every((message) => message.method === "notifications/progress")).toBe(true);
    expect(messages.at(-1)?.result?.content[0]?.text).toBe("one two three");
    await replay.cancel();
  });
});

describe("Origin validation", () => {
  const restricted = { ...env, ALLOWED_ORIGINS: "https://inspector.example" };

  it("refuses a browser request from an origin not allowed, before anything else", async () => {
    const response = await worker.fetch(
      new Request("http://mcp.test/mcp", { method: "POST", headers: { ...AUTH, Origin: "https://evil.example" } }),
      restricted
    );
    await expectJsonRpcRefusal(response, 403, "origin_not_allowed");
  });

  it("lets allowed origins and clients without an Origin through", async () => {
    for (const headers of [{ Origin: "https://inspector.example" }, {}] as Record<string, string>[]) {
      const response = await worker.fetch(
        new Request("http://mcp.test/rpc", {
          method: "POST",
          headers: { ...AUTH, ...headers },
          body: '{"jsonrpc":"2.0","id":1,"method":"ping"}'
        }),
        restricted
      );
      expect(response.status).toBe(200);
    }
  });
});

describe("/mcp JSON-RPC errors", () => {
  const headers = (sessionId: string) => ({
    ...AUTH,
    "Content-Type": "application/json",
    Accept: "application/json, text/event-stream",
    "MCP-Protocol-Version": "2025-11-25",
    "Mcp-Session-Id": sessionId
  });

  it.each([
    ["tools/call without params", { jsonrpc: "2.0", id: "x", method: "tools/call" }],
    ["tools/call with a numeric name", { jsonrpc: "2.0", id: "x", method: "tools/call", params: { name: 5 } }],
    ["initialize without params", { jsonrpc: "2.0", id: "x", method: "initialize" }]
  ])("answers %s with -32602, as /rpc does", async (_name, request) => {
    const { transport } = await connect();
    const response = await call("/mcp", {
      method: "POST",
      headers: headers(transport.sessionId!),
      body: JSON.stringify(request)
    });
    expect(response.status).toBe(200);
    const reply = new SseReader(response.body!);
    let frame = await reply.nextEvent();
    while (!frame.data.trim()) frame = await reply.nextEvent();
    expect(JSON.parse(frame.data)).toMatchObject({
      jsonrpc: "2.0",
      id: "x",
      error: { code: -32602, message: expect.stringMatching(/^Invalid params for /) }
    });
    await reply.cancel();
  });
});
