import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { nextPeriodicDeadline } from "../../src/transport/legacy-sse";
import { closeStreams, openSession, postJson, sessionStub } from "./support/http";
import { runNextTimer } from "./support/session-calls";

const HOUR_MS = 3600_000;

const alarmOf = (stub: DurableObjectStub) => runInDurableObject(stub, (_instance, state) => state.storage.getAlarm());

describe("the session's timers after a restart", () => {
  it("keep the alarm an earlier instance set when a later deadline is added", async () => {
    const session = await openSession();
    const stub = sessionStub(session.sessionId);
    const pingDue = await alarmOf(stub);
    expect(pingDue).toBeLessThan(Date.now() + 26_000);
    await session.sse.cancel();
    await evictDurableObject(stub);
    // The first request after the restart sets the session's expiry, a day away.
    expect((await postJson(session.endpoint, { jsonrpc: "2.0", id: 1, method: "ping" })).status).toBe(202);
    expect(await alarmOf(stub)).toBe(pingDue);
    await closeStreams(session.sessionId);
  });

  it("fire the deadline set before the restart when it is due, then arm the next one", async () => {
    const session = await openSession();
    const stub = sessionStub(session.sessionId);
    await session.sse.cancel();
    await evictDurableObject(stub);
    expect(await runNextTimer(stub)).toBe(true);
    // The ping found no stream to keep alive, so the next deadline is the idle expiry.
    expect(await alarmOf(stub)).toBeGreaterThan(Date.now() + 23 * HOUR_MS);
  });
});

describe("nextPeriodicDeadline", () => {
  it.each([
    ["on time", 10_000, 15_000],
    ["early (a test firing the alarm at once)", 9_000, 15_000],
    ["late by 400 ms: the next keeps the period", 10_400, 15_000],
    ["late by more than a period: what was missed is skipped", 16_000, 21_000]
  ])("sets the next deadline of a timer due at 10 s every 5 s that fires %s", (_when, now, next) => {
    expect(nextPeriodicDeadline(10_000, now, 5_000)).toBe(next);
  });
});
