import { describe, expect, it } from "vitest";
import { useFakes } from "./support/fetch-spy";
import { authed, closeStreams, initializeMcpSession, openSession, postJson, SseReader } from "./support/http";
import { expectValidToolResult } from "./support/output-schemas";
import { expectJsonRefusal } from "./support/refusals";

const fakes = useFakes();

/** Reopens the session's stream as a reconnecting client does: with Last-Event-ID only. */
async function reconnect(lastEventId: string, path = "/sse"): Promise<SseReader> {
  const response = await authed(path, { headers: { "Last-Event-ID": lastEventId } });
  expect(response.status).toBe(200);
  const sse = new SseReader(response.body!);
  for (const expected of ["ready", "keep-alive", "endpoint"]) {
    const frame = await sse.next();
    expect(frame.type === "event" ? frame.event : frame.text).toBe(expected);
  }
  return sse;
}

const seqOf = (id: string | undefined) => Number(id?.split("-")[1]);

describe("resuming a session with Last-Event-ID", () => {
  it("replays every event missed during a drop mid-analysis, in order, then the result", { timeout: 20_000 }, async () => {
    fakes.gemini.enqueue({ kind: "answer", chunks: Array.from({ length: 8 }, (_, i) => `part${i} `), chunkDelayMs: 300 });
    const session = await openSession();
    await postJson(session.endpoint, {
      jsonrpc: "2.0",
      id: "analysis",
      method: "tools/call",
      params: {
        name: "analyzeRemoteVideo",
        arguments: { videoUrl: "https://youtu.be/dQw4w9WgXcQ" },
        _meta: { progressToken: "p" }
      }
    });
    const seen: { id: string; data: string }[] = [];
    while (seen.length < 3) {
      const frame = await session.sse.nextEvent();
      seen.push({ id: frame.id!, data: frame.data });
    }
    // The client drops; the analysis goes on without it.
    await session.sse.cancel();
    await closeStreams(session.sessionId);
    await new Promise((resolve) => setTimeout(resolve, 3_000));

    const resumed = await reconnect(seen.at(-1)!.id);
    for (;;) {
      const frame = await resumed.nextEvent(["ping"], 5_000);
      expect(frame.event).toBe("message");
      seen.push({ id: frame.id!, data: frame.data });
      if ((JSON.parse(frame.data) as { id?: string }).id === "analysis") break;
    }
    const seqs = seen.map((event) => seqOf(event.id));
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
    expect(seen.every((event) => event.id.startsWith(`${session.sessionId}-`))).toBe(true);
    const result = JSON.parse(seen.at(-1)!.data) as { result: { content: { text: string }[] } };
    expect(result.result.content[0]?.text).toBe("part0 part1 part2 part3 part4 part5 part6 part7 ");
    await expectValidToolResult("analyzeRemoteVideo", result.result);
    expect(JSON.parse(seen.at(-2)!.data)).toMatchObject({ params: { message: "done", progress: 100 } });
    await resumed.cancel();
  });

  it("says when events were trimmed, then replays what is left", async () => {
    const session = await openSession();
    const pings = Array.from({ length: 1005 }, (_, i) => ({ jsonrpc: "2.0", id: i, method: "ping" }));
    // In batches of 32, the most one may hold.
    for (let start = 0; start < pings.length; start += 32) {
      expect((await postJson(session.endpoint, pings.slice(start, start + 32))).status).toBe(202);
    }
    await session.sse.cancel();
    await closeStreams(session.sessionId);
    const resumed = await reconnect(`${session.sessionId}-1`);
    const notice = await resumed.nextEvent();
    expect(notice.event).toBe("notice");
    expect(JSON.parse(notice.data)).toMatchObject({ type: "events_lost" });
    const first = await resumed.nextEvent();
    expect(first.id).toBe(`${session.sessionId}-6`);
    expect(JSON.parse(first.data)).toEqual({ jsonrpc: "2.0", id: 5, result: {} });
    await resumed.cancel();
  });

  // An id of another session says nothing about what this client has seen of
  // this one: replaying "after" its number would skip some of this session's
  // events and resend others, and replaying all of them could answer requests
  // twice. So it counts as no id: the stream attaches live, like ?sessionId= alone.
  it("replays nothing of B's for an id of session A, even when B has events past A's number, and nothing of A's", async () => {
    const a = await openSession();
    await postJson(a.endpoint, { jsonrpc: "2.0", id: "a1", method: "ping" });
    const aEvent = await a.sse.nextEvent();
    expect(aEvent.id).toBe(`${a.sessionId}-1`);
    const b = await openSession();
    for (const id of ["b1", "b2", "b3"]) await postJson(b.endpoint, { jsonrpc: "2.0", id, method: "ping" });
    for (let seq = 1; seq <= 3; seq++) expect((await b.sse.nextEvent()).id).toBe(`${b.sessionId}-${seq}`);
    await b.sse.cancel();
    await closeStreams(b.sessionId);

    const response = await authed(`/sse?sessionId=${b.sessionId}`, { headers: { "Last-Event-ID": aEvent.id! } });
    expect(response.headers.get("Mcp-Session-Id")).toBe(b.sessionId);
    const resumed = new SseReader(response.body!);
    for (let i = 0; i < 3; i++) await resumed.next();
    await postJson(a.endpoint, { jsonrpc: "2.0", id: "a2", method: "ping" });
    await postJson(b.endpoint, { jsonrpc: "2.0", id: "live", method: "ping" });
    const first = await resumed.nextEvent();
    expect(first.id).toBe(`${b.sessionId}-4`);
    expect(JSON.parse(first.data)).toEqual({ jsonrpc: "2.0", id: "live", result: {} });
    await expect(resumed.nextEvent(["ping"], 300)).rejects.toThrow(/No SSE frame/);
    for (const reader of [a.sse, resumed]) await reader.cancel();
    await closeStreams(a.sessionId);
    await closeStreams(b.sessionId);
  });

  it("answers a Last-Event-ID of an unknown session with 404", async () => {
    const response = await authed("/sse", { headers: { "Last-Event-ID": "0123456789abcdef0123456789abcdef-4" } });
    expect(response.status).toBe(404);
  });
});

describe("a malformed Last-Event-ID", () => {
  const SESSION = "0123456789abcdef0123456789abcdef";

  it.each([
    ["garbage", "garbage"],
    ["an /mcp event id", `${SESSION}-m5`],
    ["a sequence that is no integer", `${SESSION}-1e+308`],
    ["no sequence", `${SESSION}-`],
    ["no session", "-4"],
    ["a session id of the wrong length", "0123456789abcdef-4"]
  ])("on GET /sse (%s) gets a 400, not a new session", async (_name, lastEventId) => {
    const response = await authed("/sse", { headers: { "Last-Event-ID": lastEventId } });
    expect(response.headers.get("Mcp-Session-Id")).toBeNull();
    await expectJsonRefusal(response, 400, "invalid_last_event_id");
  });

  it("on GET /sse?sessionId= gets a 400 too, not an attach without replay", async () => {
    const session = await openSession();
    const response = await authed(`/sse?sessionId=${session.sessionId}`, { headers: { "Last-Event-ID": "garbage" } });
    await expectJsonRefusal(response, 400, "invalid_last_event_id");
    await session.sse.cancel();
    await closeStreams(session.sessionId);
  });

  it("that is empty counts as none: a new session opens", async () => {
    const response = await authed("/sse", { headers: { "Last-Event-ID": " " } });
    expect(response.status).toBe(200);
    const sessionId = response.headers.get("Mcp-Session-Id")!;
    await response.body?.cancel();
    await closeStreams(sessionId);
  });

  it.each(["garbage", `${SESSION}-m5`, `${SESSION}-1`])(
    "on GET /mcp (%s) gets a JSON-RPC 400 from the SDK",
    async (lastEventId) => {
      const sessionId = await initializeMcpSession();
      const response = await authed("/mcp", {
        headers: { "Mcp-Session-Id": sessionId, Accept: "text/event-stream", "Last-Event-ID": lastEventId }
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({
        jsonrpc: "2.0",
        id: null,
        error: { code: -32000, message: "Invalid event ID format" }
      });
    }
  );
});

describe("isolation", () => {
  it("keeps 100 concurrent sessions' events apart", { timeout: 60_000 }, async () => {
    const sessions = await Promise.all(Array.from({ length: 100 }, () => openSession()));
    expect(new Set(sessions.map((session) => session.sessionId)).size).toBe(100);
    await Promise.all(
      sessions.map((session, index) => postJson(session.endpoint, { jsonrpc: "2.0", id: `s${index}`, method: "ping" }))
    );
    const received = await Promise.all(sessions.map((session) => session.sse.nextEvent()));
    received.forEach((frame, index) => {
      expect(frame.id).toBe(`${sessions[index]!.sessionId}-1`);
      expect(JSON.parse(frame.data)).toEqual({ jsonrpc: "2.0", id: `s${index}`, result: {} });
    });
    // Nothing of another session's arrives afterwards either.
    await postJson(sessions[0]!.endpoint, { jsonrpc: "2.0", id: "last", method: "ping" });
    expect(JSON.parse((await sessions[0]!.sse.nextEvent()).data)).toMatchObject({ id: "last" });
    await expect(sessions[1]!.sse.nextEvent(["ping"], 300)).rejects.toThrow(/No SSE frame/);
    for (const session of sessions) {
      await session.sse.cancel();
      await closeStreams(session.sessionId);
    }
  });
});
