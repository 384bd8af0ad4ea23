import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { authed, closeStreams, openSession, sessionStub, SseReader } from "./support/http";
import { runNextTimer } from "./support/session-calls";

describe("GET /sse", () => {
  it("answers with the SSE headers and a fresh session id", async () => {
    const response = await authed("/sse");
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toMatch(/^text\/event-stream/);
    expect(response.headers.get("Cache-Control")).toBe("no-cache, no-transform");
    expect(response.headers.get("Mcp-Session-Id")).toMatch(/^[0-9a-f]{32}$/);
    const other = await authed("/sse");
    expect(other.headers.get("Mcp-Session-Id")).not.toBe(response.headers.get("Mcp-Session-Id"));
    await response.body?.cancel();
    await other.body?.cancel();
  });

  it("sends ready, a keep-alive comment, then the endpoint event, as exact bytes", async () => {
    const response = await authed("/sse");
    const sessionId = response.headers.get("Mcp-Session-Id");
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    while (!text.includes("event: endpoint")) {
      const { value } = await reader.read();
      text += decoder.decode(value, { stream: true });
    }
    while (!text.endsWith("\n\n")) text += decoder.decode((await reader.read()).value);
    expect(text).toBe(`event: ready\ndata: "ok"\n\n: keep-alive\n\nevent: endpoint\ndata: /messages?sessionId=${sessionId}\n\n`);
    await reader.cancel();
  });

  it("pings every open stream from the alarm, and re-arms while streams are open", async () => {
    const first = await openSession();
    const stub = sessionStub(first.sessionId);
    const second = new SseReader((await authed(`/sse?sessionId=${first.sessionId}`)).body!);
    for (let i = 0; i < 3; i++) await second.next();

    const firstPingDue = await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm());
    const before = Date.now();
    expect(await runNextTimer(stub)).toBe(true);
    for (const sse of [first.sse, second]) {
      const ping = await sse.next();
      expect(ping).toMatchObject({ type: "event", event: "ping" });
      const sentAt = Number((ping as { data: string }).data);
      expect(sentAt).toBeGreaterThanOrEqual(before);
      expect(sentAt).toBeLessThanOrEqual(Date.now());
    }
    // A period after the ping was due, however early or late its alarm ran
    // (here early: the test lets time pass at once).
    const nextAlarm = await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm());
    expect(nextAlarm).toBe(firstPingDue! + 25_000);
    await first.sse.cancel();
    await second.cancel();
  });

  // Inside the test pool a client's cancel does not reach the Durable Object
  // (it does under `wrangler dev`; see sse-stream.test.ts for the write
  // failure itself), so these close the object's end of the stream.
  it("stops pinging once no stream is left; the alarm then only waits for idle expiry", async () => {
    const session = await openSession();
    const stub = sessionStub(session.sessionId);
    await closeStreams(session.sessionId);
    expect(await runNextTimer(stub)).toBe(true);
    const alarm = await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm());
    // SESSION_TTL_SECONDS (24 h) after the last request, not the next ping in 25 s.
    expect(alarm).toBeGreaterThan(Date.now() + 23 * 60 * 60 * 1000);
  });

  it("keeps pinging the streams that are still open when one closes", async () => {
    const first = await openSession();
    const stub = sessionStub(first.sessionId);
    await closeStreams(first.sessionId);
    const second = new SseReader((await authed(`/sse?sessionId=${first.sessionId}`)).body!);
    for (let i = 0; i < 3; i++) await second.next();
    expect(await runNextTimer(stub)).toBe(true);
    expect(await second.next()).toMatchObject({ type: "event", event: "ping" });
    expect(await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm())).not.toBeNull();
    await second.cancel();
  });

  it("attaches a second stream to an existing session with the same id", async () => {
    const session = await openSession();
    const again = await authed(`/sse?sessionId=${session.sessionId}`);
    expect(again.status).toBe(200);
    expect(again.headers.get("Mcp-Session-Id")).toBe(session.sessionId);
    await again.body?.cancel();
    await session.sse.cancel();
  });
});
