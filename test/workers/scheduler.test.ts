import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { AlarmScheduler } from "../../src/session/scheduler";
import { nextPeriodicDeadline } from "../../src/transport/legacy-sse";
import { sessionStub } from "./support/http";

const HOUR_MS = 3600_000;

describe("AlarmScheduler after a restart", () => {
  it("keeps the alarm an earlier instance set when a later deadline is added", async () => {
    const stub = sessionStub(`scheduler-${crypto.randomUUID()}`);
    await runInDurableObject(stub, async (_instance, state) => {
      const soon = Date.now() + 20_000;
      await state.storage.setAlarm(soon);
      const restarted = new AlarmScheduler(state.storage);
      await restarted.restore();
      await restarted.set("expiry", Date.now() + 24 * HOUR_MS);
      expect(await state.storage.getAlarm()).toBe(soon);
      await state.storage.deleteAlarm();
    });
  });

  it("reports the restored deadline as due when its alarm fires, then arms the next one", async () => {
    const stub = sessionStub(`scheduler-${crypto.randomUUID()}`);
    await runInDurableObject(stub, async (_instance, state) => {
      const past = Date.now() - 1;
      await state.storage.setAlarm(past);
      const restarted = new AlarmScheduler(state.storage);
      await restarted.restore();
      const later = Date.now() + HOUR_MS;
      await restarted.set("expiry", later);
      expect(restarted.takeDue()).toEqual(["restored"]);
      await restarted.rearm();
      expect(await state.storage.getAlarm()).toBe(later);
      await state.storage.deleteAlarm();
    });
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
