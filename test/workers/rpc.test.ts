import { describe, expect, it } from "vitest";
import { geminiErrors } from "../support/fake-gemini";
import { useFakeGemini } from "./support/fetch-spy";
import { openSession, postJson } from "./support/http";
import { expectValidToolResult } from "./support/output-schemas";

const fake = useFakeGemini();

const YOUTUBE_URL = "https://youtu.be/dQw4w9WgXcQ";

function rpc(body: unknown, headers: HeadersInit = {}) {
  return postJson("/rpc", body, headers);
}

/** The reply to a `callAnalyze`, its result checked against the tool's outputSchema as an SDK client checks it. */
async function analyzeReply<T>(response: Response): Promise<T> {
  const body = (await response.json()) as { result?: unknown };
  if (body.result) await expectValidToolResult("analyzeRemoteVideo", body.result);
  return body as T;
}

function callAnalyze(args: Record<string, unknown>, id: number | string = 1, meta?: Record<string, unknown>) {
  return {
    jsonrpc: "2.0",
    id,
    method: "tools/call",
    params: { name: "analyzeRemoteVideo", arguments: args, ...(meta ? { _meta: meta } : {}) }
  };
}

describe("POST /rpc", () => {
  it("answers tools/list without initialize and without a session", async () => {
    const response = await rpc({ jsonrpc: "2.0", id: 7, method: "tools/list" });
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toMatch(/^application\/json/);
    const body = (await response.json()) as {
      id: number;
      result: { tools: { name: string; inputSchema: { required: string[] } }[] };
    };
    expect(body.id).toBe(7);
    const tool = body.result.tools.find((t) => t.name === "analyzeRemoteVideo");
    expect(tool?.inputSchema.required).toEqual(["videoUrl"]);
  });

  it("answers session-less tools/list and ping (in the Worker) exactly as a session does", async () => {
    const session = await openSession();
    for (const method of ["tools/list", "ping"]) {
      const request = { jsonrpc: "2.0", id: "same", method };
      const [alone, inSession] = await Promise.all([rpc(request), rpc(request, { "Mcp-Session-Id": session.sessionId })]);
      expect(alone.status).toBe(200);
      expect(await alone.json()).toEqual(await inSession.json());
    }
    await session.sse.cancel();
  });

  it("answers each session-less tools/list with its own id (the list itself is computed once)", async () => {
    const replies = (await Promise.all([
      rpc({ jsonrpc: "2.0", id: 41, method: "tools/list" }),
      rpc({ jsonrpc: "2.0", id: "b", method: "tools/list" })
    ]).then((responses) => Promise.all(responses.map((response) => response.json())))) as {
      id: unknown;
      result: { tools: unknown[] };
    }[];
    expect(replies.map((reply) => reply.id)).toEqual([41, "b"]);
    expect(replies[0]!.result).toEqual(replies[1]!.result);
    expect(replies[0]!.result.tools).toHaveLength(9);
  });

  it("answers initialize with the server's identity and capabilities", async () => {
    const response = await rpc({
      jsonrpc: "2.0",
      id: "init",
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "curl", version: "1" } }
    });
    const body = (await response.json()) as { result: { serverInfo: { name: string }; capabilities: { tools?: object } } };
    expect(body.result.serverInfo.name).toBe("gemini-video-mcp");
    expect(body.result.capabilities.tools).toBeDefined();
  });

  it("tools/call sends the YouTube link to Gemini as fileData and returns its text", async () => {
    const response = await rpc(callAnalyze({ videoUrl: YOUTUBE_URL, prompt: "What animals appear?" }));
    const body = await analyzeReply<{ id: number; result: { content: { type: string; text: string }[]; isError?: boolean } }>(
      response
    );
    expect(body.result.isError).toBeUndefined();
    expect(body.result.content).toEqual([{ type: "text", text: "The video shows a cat at 00:05 and a dog at 01:10." }]);
    const [sent] = fake.generateRequests();
    expect(sent?.path).toBe("/v1beta/models/gemini-test-flash:streamGenerateContent");
    expect(sent?.search).toBe("?alt=sse");
    expect(sent?.headers["x-goog-api-key"]).toBe("test-google-api-key");
    expect(sent?.body).toMatchObject({
      contents: [
        {
          role: "user",
          parts: [
            { fileData: { fileUri: "https://www.youtube.com/watch?v=dQw4w9WgXcQ", mimeType: "video/mp4" } },
            { text: "What animals appear?" }
          ]
        }
      ]
    });
  });

  it("uses the default summary prompt when none is given", async () => {
    await analyzeReply(await rpc(callAnalyze({ videoUrl: "https://www.youtube.com/shorts/dQw4w9WgXcQ" })));
    const parts = (fake.generateRequests()[0]!.body as { contents: { parts: { text?: string }[] }[] }).contents[0]!.parts;
    expect(parts[1]?.text).toMatch(/summary .*timestamps/);
  });

  it.each([
    ["an invalid API key", geminiErrors.invalidApiKey(), /Gemini API error 400 \(INVALID_ARGUMENT: API key not valid/],
    [
      "an unknown model",
      { kind: "error", httpStatus: 404, status: "NOT_FOUND", message: "models/gemini-test-flash is not found" },
      /Gemini API error 404 \(NOT_FOUND: .*Check the model name/
    ],
    [
      "a blocked prompt",
      { kind: "blocked", blockReason: "SAFETY" },
      /refused the request because its safety filters flagged the prompt \(block reason SAFETY\)/
    ]
  ] as const)("turns %s into a readable tool error", async (_name, behavior, expected) => {
    fake.enqueue(behavior);
    const body = await analyzeReply<{ result: { content: { text: string }[]; isError: boolean } }>(
      await rpc(callAnalyze({ videoUrl: YOUTUBE_URL }))
    );
    expect(body.result.isError).toBe(true);
    expect(body.result.content[0]?.text).toMatch(expected);
    expect(body.result.content[0]?.text).not.toMatch(/\n\s+at /);
  });

  it("refuses a video URL on a private address before fetching anything", async () => {
    const body = await analyzeReply<{ result: { content: { text: string }[]; isError: boolean } }>(
      await rpc(callAnalyze({ videoUrl: "http://192.168.1.10/video.mp4" }))
    );
    expect(body.result.isError).toBe(true);
    expect(body.result.content[0]?.text).toMatch(/private .*ALLOW_PRIVATE_VIDEO_URLS/);
    expect(fake.requests).toHaveLength(0);
  });

  it("refuses a YouTube playlist with a clear message", async () => {
    const body = await analyzeReply<{ result: { content: { text: string }[]; isError: boolean } }>(
      await rpc(callAnalyze({ videoUrl: "https://www.youtube.com/playlist?list=PL123" }))
    );
    expect(body.result.isError).toBe(true);
    expect(body.result.content[0]?.text).toMatch(/is a playlist\. Gemini reads single public videos/);
  });

  it("reports bad tool arguments as a tool error naming the field", async () => {
    const body = await analyzeReply<{ result: { content: { text: string }[]; isError: boolean } }>(
      await rpc(callAnalyze({ videoUrl: "ftp://x/y.mp4" }))
    );
    expect(body.result.isError).toBe(true);
    expect(body.result.content[0]?.text).toMatch(/videoUrl must use http or https/);
  });

  it("sends the call's progress on the session's SSE stream when bound to a session", async () => {
    const session = await openSession();
    fake.enqueue({ kind: "answer", chunks: ["one ", "two ", "three"], chunkDelayMs: 300 });
    const response = await rpc(callAnalyze({ videoUrl: YOUTUBE_URL }, 3, { progressToken: "p-1" }), {
      "Mcp-Session-Id": session.sessionId
    });
    expect((await analyzeReply<{ result: { content: { text: string }[] } }>(response)).result.content[0]?.text).toBe(
      "one two three"
    );
    const notifications: { progress: number; total: number; message: string; progressToken: string }[] = [];
    for (;;) {
      const message = (await session.sse.nextMessage()) as { method: string; params: (typeof notifications)[number] };
      expect(message.method).toBe("notifications/progress");
      notifications.push(message.params);
      if (message.params.message === "done") break;
    }
    expect(notifications.every((n) => n.progressToken === "p-1")).toBe(true);
    const progress = notifications.map((n) => n.progress);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(new Set(progress).size).toBe(progress.length);
    expect(notifications.map((n) => n.message)).toContainEqual(expect.stringMatching(/^Gemini is watching the video/));
    expect(notifications.some((n) => /^generating: \d+ characters$/.test(n.message))).toBe(true);
    expect(notifications.every((n) => n.total === 100)).toBe(true);
    expect(notifications.at(-1)?.progress).toBe(100);
    await session.sse.cancel();
  });

  it("accepts the session id as ?sessionId= too", async () => {
    const session = await openSession();
    const response = await postJson(
      `/rpc?sessionId=${session.sessionId}`,
      callAnalyze({ videoUrl: YOUTUBE_URL }, 1, { progressToken: 9 })
    );
    expect(response.status).toBe(200);
    expect(await session.sse.nextMessage()).toMatchObject({ method: "notifications/progress", params: { progressToken: 9 } });
    await session.sse.cancel();
  });

  it("keeps concurrent calls that reuse one id apart", async () => {
    fake.enqueue({ kind: "answer", chunks: ["first answer"], chunkDelayMs: 200 }, { kind: "answer", chunks: ["second answer"] });
    const [slow, fast] = await Promise.all([
      rpc(callAnalyze({ videoUrl: YOUTUBE_URL }, 1)),
      new Promise((resolve) => setTimeout(resolve, 50)).then(() => rpc(callAnalyze({ videoUrl: YOUTUBE_URL }, 1)))
    ]);
    const texts = await Promise.all(
      [slow, fast].map((r) => analyzeReply<{ id: number; result: { content: { text: string }[] } }>(r))
    );
    expect(texts.map((t) => t.id)).toEqual([1, 1]);
    expect(texts.map((t) => t.result.content[0]?.text)).toEqual(["first answer", "second answer"]);
  });

  it("answers a cancelled call with an error instead of hanging", async () => {
    const session = await openSession();
    fake.enqueue({ kind: "answer", chunks: ["a", "b", "c", "d"], chunkDelayMs: 400 });
    const headers = { "Mcp-Session-Id": session.sessionId };
    const pending = rpc(callAnalyze({ videoUrl: YOUTUBE_URL }, "job-1", { progressToken: 1 }), headers);
    await session.sse.nextMessage();
    const cancel = await rpc(
      { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: "job-1", reason: "user" } },
      headers
    );
    expect(cancel.status).toBe(202);
    const body = (await (await pending).json()) as { id: string; error: { code: number; message: string } };
    expect(body).toMatchObject({ id: "job-1", error: { code: -32800, message: "Request cancelled" } });
    await session.sse.cancel();
  });
});

describe("POST /rpc JSON-RPC errors", () => {
  it("answers a body that is not JSON with -32700 and HTTP 400", async () => {
    const response = await rpc("{not json");
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      jsonrpc: "2.0",
      id: null,
      error: { code: -32700, message: expect.stringMatching(/Parse error/) }
    });
  });

  it.each([
    ["a missing jsonrpc member", { id: 4, method: "tools/list" }, 4],
    ["a wrong jsonrpc version", { jsonrpc: "1.0", id: 5, method: "tools/list" }, 5],
    ["a non-string method", { jsonrpc: "2.0", id: 6, method: 42 }, 6],
    ["a bare number", 42, null],
    ["an empty batch", [], null]
  ])("answers %s with -32600", async (_name, body, id) => {
    const response = await rpc(body);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ jsonrpc: "2.0", id, error: { code: -32600 } });
  });

  it("refuses a batch of more than 32 messages as a whole, and takes one of 32", async () => {
    const batch = (size: number) => Array.from({ length: size }, (_, index) => ({ jsonrpc: "2.0", id: index, method: "ping" }));
    const refused = await rpc(batch(33));
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({
      jsonrpc: "2.0",
      id: null,
      error: { code: -32600, message: "Invalid Request: a batch may hold at most 32 messages" }
    });
    const accepted = await rpc(batch(32));
    expect(((await accepted.json()) as unknown[]).length).toBe(32);
  });

  it("answers an unknown method with -32601", async () => {
    const response = await rpc({ jsonrpc: "2.0", id: 8, method: "videos/teleport" });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ id: 8, error: { code: -32601 } });
  });

  it.each([
    ["tools/call without a name", { arguments: {} }],
    ["tools/call with a numeric name", { name: 5 }],
    ["tools/call with array arguments", { name: "analyzeRemoteVideo", arguments: [] }]
  ])("answers %s with -32602", async (_name, params) => {
    const response = await rpc({ jsonrpc: "2.0", id: 9, method: "tools/call", params });
    expect(await response.json()).toMatchObject({
      id: 9,
      error: { code: -32602, message: expect.stringMatching(/Invalid params for tools\/call/) }
    });
  });

  it("answers a batch with one reply per request, in order, and none for notifications", async () => {
    const response = await rpc([
      { jsonrpc: "2.0", id: 1, method: "ping" },
      { jsonrpc: "2.0", method: "notifications/initialized" },
      { jsonrpc: "2.0", id: 2, method: "nope" },
      { jsonrpc: "2.0", id: 3 }
    ]);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([
      { jsonrpc: "2.0", id: 1, result: {} },
      { jsonrpc: "2.0", id: 2, error: { code: -32601, message: "Method not found" } },
      { jsonrpc: "2.0", id: 3, error: { code: -32600, message: expect.any(String) } }
    ]);
  });

  it("answers a lone notification with 202 and no body", async () => {
    const response = await rpc({ jsonrpc: "2.0", method: "notifications/initialized" });
    expect(response.status).toBe(202);
    expect(await response.text()).toBe("");
  });
});
