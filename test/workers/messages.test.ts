import { describe, expect, it } from "vitest";
import { TOOLS } from "../../src/tools/index";
import { useFakeGemini } from "./support/fetch-spy";
import { authed, openSession, postJson, SseReader } from "./support/http";
import { expectValidToolResult } from "./support/output-schemas";

const fake = useFakeGemini();

describe("POST /messages", () => {
  it("accepts with 202 and replies on the session stream as event: message with an id", async () => {
    const session = await openSession();
    expect(session.endpoint).toBe(`/messages?sessionId=${session.sessionId}`);
    const accepted = await postJson(session.endpoint, {
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "test", version: "1" } }
    });
    expect(accepted.status).toBe(202);
    const frame = await session.sse.nextEvent();
    expect(frame.event).toBe("message");
    expect(frame.id).toBe(`${session.sessionId}-1`);
    expect(JSON.parse(frame.data)).toMatchObject({ jsonrpc: "2.0", id: 1, result: { serverInfo: { name: "gemini-video-mcp" } } });

    await postJson(session.endpoint, { jsonrpc: "2.0", method: "notifications/initialized" });
    await postJson(session.endpoint, { jsonrpc: "2.0", id: 2, method: "tools/list" });
    const list = await session.sse.nextEvent();
    expect(list.id).toBe(`${session.sessionId}-2`);
    const listed = JSON.parse(list.data) as { id: number; result: { tools: { name: string }[] } };
    expect(listed.id).toBe(2);
    expect(listed.result.tools.map((tool) => tool.name)).toEqual(TOOLS.map((tool) => tool.name));
    await session.sse.cancel();
  });

  it("runs a tool call with progress, then the result, all on the stream", async () => {
    const session = await openSession();
    await postJson(session.endpoint, {
      jsonrpc: "2.0",
      id: "call",
      method: "tools/call",
      params: {
        name: "analyzeRemoteVideo",
        arguments: { videoUrl: "https://www.youtube.com/watch?v=dQw4w9WgXcQ" },
        _meta: { progressToken: "t" }
      }
    });
    const messages: Record<string, unknown>[] = [];
    for (;;) {
      const message = await session.sse.nextMessage();
      messages.push(message);
      if (message.id === "call") break;
    }
    expect(messages[0]).toMatchObject({ method: "notifications/progress", params: { progressToken: "t" } });
    // The final progress goes out before the result, never after it.
    expect(messages.at(-2)).toMatchObject({
      method: "notifications/progress",
      params: { progressToken: "t", progress: 100, total: 100, message: "done" }
    });
    expect(messages.at(-1)).toMatchObject({
      id: "call",
      result: { content: [{ type: "text", text: "The video shows a cat at 00:05 and a dog at 01:10." }] }
    });
    await expectValidToolResult("analyzeRemoteVideo", messages.at(-1)!.result);
    expect(fake.generateRequests()).toHaveLength(1);
    await session.sse.cancel();
  });

  it("sends every stream of the session the same replies", async () => {
    const first = await openSession();
    const second = new SseReader((await authed(`/sse?sessionId=${first.sessionId}`)).body!);
    for (let i = 0; i < 3; i++) await second.next();
    await postJson(first.endpoint, { jsonrpc: "2.0", id: 5, method: "ping" });
    expect(await first.sse.nextMessage()).toEqual({ jsonrpc: "2.0", id: 5, result: {} });
    expect(await second.nextMessage()).toEqual({ jsonrpc: "2.0", id: 5, result: {} });
    await first.sse.cancel();
    await second.cancel();
  });

  it("answers an unparseable body with 400 and -32700", async () => {
    const session = await openSession();
    const response = await postJson(session.endpoint, "{oops");
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: -32700 } });
    await session.sse.cancel();
  });

  it("replies -32602 and -32601 on the stream", async () => {
    const session = await openSession();
    await postJson(session.endpoint, { jsonrpc: "2.0", id: 1, method: "tools/call", params: {} });
    expect(await session.sse.nextMessage()).toMatchObject({ id: 1, error: { code: -32602 } });
    await postJson(session.endpoint, { jsonrpc: "2.0", id: 2, method: "nope" });
    expect(await session.sse.nextMessage()).toMatchObject({ id: 2, error: { code: -32601 } });
    await session.sse.cancel();
  });
});
