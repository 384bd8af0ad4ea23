import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { useFakes } from "./support/fetch-spy";
import { SessionStore, TOUCH_WRITE_INTERVAL_MS } from "../../src/session/session-store";
import { authed, closeStreams, initializeMcpSession, openSession, postJson, sessionStub } from "./support/http";
import { expectValidToolResult } from "./support/output-schemas";
import { callTool, snapshotOf } from "./support/session-calls";

const fakes = useFakes();
const DAY_MS = 24 * 60 * 60 * 1000;

/** Moves the session's last activity into the past, as if it had been idle since. */
async function idleFor(sessionId: string, ms: number): Promise<void> {
  await runInDurableObject(sessionStub(sessionId), (_instance, state) => {
    const meta = state.storage.sql.exec("SELECT 1 FROM sqlite_master WHERE name = 'session_meta'").toArray();
    if (meta.length > 0) state.storage.sql.exec("UPDATE session_meta SET last_active_at = ?", Date.now() - ms);
    const jobs = state.storage.sql.exec("SELECT 1 FROM sqlite_master WHERE name = 'jobs'").toArray();
    if (jobs.length > 0) state.storage.sql.exec("UPDATE jobs SET updated_at = ?", Date.now() - ms);
  });
}

describe("session expiry", () => {
  it("deletes a session idle for SESSION_TTL_SECONDS; later requests get 404", async () => {
    const session = await openSession();
    await session.sse.cancel();
    await closeStreams(session.sessionId);
    await idleFor(session.sessionId, DAY_MS + 1000);
    expect(await runDurableObjectAlarm(sessionStub(session.sessionId))).toBe(true);
    const stored = await runInDurableObject(sessionStub(session.sessionId), (_instance, state) =>
      state.storage.sql
        .exec(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' AND name != 'sqlite_sequence'"
        )
        .toArray()
    );
    expect(stored).toEqual([]);
    const response = await postJson(session.endpoint, { jsonrpc: "2.0", id: 1, method: "ping" });
    expect(response.status).toBe(404);
  });

  it("also expires the jobs a session-less /rpc call started, deleting their storage", async () => {
    const started = await postJson("/rpc", {
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "startVideoAnalysis", arguments: { videoUrl: "https://youtu.be/dQw4w9WgXcQ" } }
    });
    const startedReply = (await started.json()) as { result: { structuredContent: { jobId: string } } };
    await expectValidToolResult("startVideoAnalysis", startedReply.result);
    const { jobId } = startedReply.result.structuredContent;
    const sessionId = jobId.split(".")[0]!;
    const waited = await postJson("/rpc", {
      jsonrpc: "2.0",
      id: 2,
      method: "tools/call",
      params: { name: "getVideoAnalysis", arguments: { jobId, waitSeconds: 10 } }
    });
    const waitedReply = (await waited.json()) as { result: unknown };
    await expectValidToolResult("getVideoAnalysis", waitedReply.result);
    expect(waitedReply).toMatchObject({ result: { structuredContent: { status: "done" } } });
    await idleFor(sessionId, DAY_MS + 1000);
    await runDurableObjectAlarm(sessionStub(sessionId));
    const stored = await runInDurableObject(sessionStub(sessionId), (_instance, state) =>
      state.storage.sql
        .exec(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' AND name != 'sqlite_sequence'"
        )
        .toArray()
    );
    expect(stored).toEqual([]);
  });

  it("keeps a session that was active within the TTL, and sets the alarm to look again", async () => {
    const session = await openSession();
    await session.sse.cancel();
    await closeStreams(session.sessionId);
    await idleFor(session.sessionId, DAY_MS - 60_000);
    await runDurableObjectAlarm(sessionStub(session.sessionId));
    expect((await postJson(session.endpoint, { jsonrpc: "2.0", id: 1, method: "ping" })).status).toBe(202);
    const alarm = await runInDurableObject(sessionStub(session.sessionId), (_instance, state) => state.storage.getAlarm());
    expect(alarm).not.toBeNull();
  });

  it("writes a session's latest request time at most once per TOUCH_WRITE_INTERVAL_MS: no durable write for each request", async () => {
    const sessionId = await initializeMcpSession();
    const stored = await runInDurableObject(sessionStub(sessionId), (_instance, state) => {
      const store = new SessionStore(state.storage);
      const written = () => Number([...state.storage.sql.exec("SELECT last_active_at AS at FROM session_meta")][0]?.at);
      const t0 = Date.now() + 60_000;
      const seen: number[] = [];
      for (const at of [t0, t0 + TOUCH_WRITE_INTERVAL_MS - 1, t0 + TOUCH_WRITE_INTERVAL_MS, t0 + TOUCH_WRITE_INTERVAL_MS + 1]) {
        store.touch(at);
        seen.push(written());
      }
      return { seen, lastActiveAt: store.lastActiveAt(), t0 };
    });
    const { seen, t0 } = stored;
    expect(seen).toEqual([t0, t0, t0 + TOUCH_WRITE_INTERVAL_MS, t0 + TOUCH_WRITE_INTERVAL_MS]);
    expect(stored.lastActiveAt).toBe(t0 + TOUCH_WRITE_INTERVAL_MS);
  });

  it("keeps a session with an open stream however long it has been idle", async () => {
    const session = await openSession();
    await idleFor(session.sessionId, 2 * DAY_MS);
    await runDurableObjectAlarm(sessionStub(session.sessionId));
    expect((await postJson(session.endpoint, { jsonrpc: "2.0", id: 1, method: "ping" })).status).toBe(202);
    expect(await session.sse.nextMessage()).toEqual({ jsonrpc: "2.0", id: 1, result: {} });
    await session.sse.cancel();
    await closeStreams(session.sessionId);
  });

  it("keeps a Streamable HTTP session whose GET stream is open however long it has been idle", async () => {
    const sessionId = await initializeMcpSession();
    const stream = await authed("/mcp", {
      headers: { Accept: "text/event-stream", "Mcp-Session-Id": sessionId, "Mcp-Protocol-Version": "2025-06-18" }
    });
    expect(stream.status).toBe(200);
    await idleFor(sessionId, 2 * DAY_MS);
    await runDurableObjectAlarm(sessionStub(sessionId));
    const ping = await postJson(
      "/mcp",
      { jsonrpc: "2.0", id: 2, method: "ping" },
      { Accept: "application/json, text/event-stream", "Mcp-Session-Id": sessionId, "Mcp-Protocol-Version": "2025-06-18" }
    );
    expect(ping.status).toBe(200);
    await ping.text();
    const alarm = await runInDurableObject(sessionStub(sessionId), (_instance, state) => state.storage.getAlarm());
    expect(alarm).toBeGreaterThan(Date.now());
    await stream.body?.cancel();
  });

  it("cancels running jobs and deletes their files when a Streamable HTTP client ends the session", async () => {
    fakes.gemini.enqueue({ kind: "answer", chunks: Array.from({ length: 40 }, () => "slow "), chunkDelayMs: 100 });
    const videoUrl = fakes.videos.add("/ending.mp4", { size: 1024 * 1024 });
    const sessionId = await initializeMcpSession();
    const { jobId } = snapshotOf(await callTool(sessionId, "startVideoAnalysis", { videoUrl }));
    await expect.poll(() => [...fakes.gemini.files.values()].length, { timeout: 5_000 }).toBe(1);
    const end = () => authed("/mcp", { method: "DELETE", headers: { "Mcp-Session-Id": sessionId } });
    expect((await end()).status).toBe(200);
    expect(jobId.startsWith(sessionId)).toBe(true);
    expect([...fakes.gemini.files.values()][0]?.deleted).toBe(true);
    expect((await end()).status).toBe(404);
  });
});
