import { describe, expect, it } from "vitest";
import type { Job } from "../../src/jobs/job";
import { createJobProgressReporter, PROGRESS_HEARTBEAT_MS, type ReporterClock, type ToolExtra } from "../../src/tools/progress";
import { jobRecord } from "./support/job-record";

function job(update: Record<string, unknown>): Job {
  return jobRecord({
    id: "s.j",
    input: { videoUrl: "https://example.com/v.mp4", prompt: "p", model: "m" },
    state: "uploading",
    message: "uploading",
    createdAt: 0,
    updatedAt: 0,
    totalBytes: 100,
    mimeType: "video/mp4",
    ...update
  });
}

/** A reporter on a hand-driven clock: `advance` runs the timers that fall due. */
function harness() {
  let now = 1_000_000;
  let timers: { at: number; task: () => void }[] = [];
  const sent: { progress: number; total: number; message: string }[] = [];
  const extra = {
    mcpReq: {
      _meta: { progressToken: "t" },
      notify: async (notification: { params: (typeof sent)[number] }) => void sent.push(notification.params)
    }
  } as unknown as ToolExtra;
  const clock: ReporterClock = {
    now: () => now,
    later: (ms, task) => {
      const timer = { at: now + ms, task };
      timers.push(timer);
      return () => {
        timers = timers.filter((other) => other !== timer);
      };
    }
  };
  const reporter = createJobProgressReporter(extra, clock);
  const advance = (ms: number) => {
    now += ms;
    const due = timers.filter((timer) => timer.at <= now);
    timers = timers.filter((timer) => timer.at > now);
    for (const timer of due) timer.task();
  };
  return { reporter, sent, advance, pendingTimers: () => timers.length };
}

describe("createJobProgressReporter", () => {
  it("throttles more of the same to one per 100 ms, but sends a new kind of message at once", async () => {
    const { reporter, sent, advance } = harness();
    await reporter.update(job({ bytesUploaded: 10, message: "uploading 1.0 / 10.0 MB" }));
    advance(40);
    await reporter.update(job({ bytesUploaded: 20, message: "uploading 2.0 / 10.0 MB" }));
    await reporter.update(job({ bytesUploaded: 20, message: "Uploading: Gemini API error 503. Retrying in 2 s (attempt 2)." }));
    advance(150);
    await reporter.update(job({ bytesUploaded: 30, message: "uploading 3.0 / 10.0 MB" }));
    await reporter.flush();
    expect(sent.map((update) => update.message)).toEqual([
      "uploading 1.0 / 10.0 MB",
      "Uploading: Gemini API error 503. Retrying in 2 s (attempt 2).",
      "uploading 3.0 / 10.0 MB"
    ]);
  });

  it("sends the latest held-back change once its 100 ms are up, and nothing after flush", async () => {
    const { reporter, sent, advance, pendingTimers } = harness();
    await reporter.update(job({ state: "generating", text: "a", message: "generating: 1 characters" }));
    advance(20);
    await reporter.update(job({ state: "generating", text: "ab", message: "generating: 2 characters" }));
    advance(20);
    await reporter.update(job({ state: "generating", text: "abc", message: "generating: 3 characters" }));
    expect(sent.map((update) => update.message)).toEqual(["generating: 1 characters"]);
    advance(59);
    expect(sent).toHaveLength(1);
    advance(1);
    await reporter.flush();
    expect(sent.map((update) => update.message)).toEqual(["generating: 1 characters", "generating: 3 characters"]);
    await reporter.update(job({ state: "generating", text: "abcd", message: "generating: 4 characters" }));
    expect(pendingTimers()).toBe(1);
    await reporter.flush();
    expect(pendingTimers()).toBe(0);
    advance(1000);
    expect(sent).toHaveLength(2);
  });

  it("always rises, even when the job's own percentage does not", async () => {
    const { reporter, sent, advance } = harness();
    for (let i = 0; i < 5; i++) {
      advance(PROGRESS_HEARTBEAT_MS);
      await reporter.heartbeat(job({ state: "processing", message: "Gemini is processing the video" }));
    }
    await reporter.update(job({ state: "done", message: "done" }));
    await reporter.flush();
    const values = sent.map((update) => update.progress);
    for (let i = 1; i < values.length; i++) expect(values[i]).toBeGreaterThan(values[i - 1]!);
    expect(sent.at(-1)).toEqual({ progressToken: "t", progress: 100, total: 100, message: "done" });
  });

  it("sends a heartbeat only after 10 s of silence, saying how long the job has run", async () => {
    const { reporter, sent, advance } = harness();
    await reporter.update(job({ state: "processing", message: "Gemini is processing the video", createdAt: 1_000_000 }));
    advance(PROGRESS_HEARTBEAT_MS - 1);
    await reporter.heartbeat(job({ state: "processing", message: "Gemini is processing the video", createdAt: 1_000_000 }));
    expect(sent).toHaveLength(1);
    advance(1);
    await reporter.heartbeat(job({ state: "processing", message: "Gemini is processing the video", createdAt: 1_000_000 }));
    await reporter.flush();
    expect(sent.at(-1)?.message).toBe("Gemini is processing the video (still working, 10 s so far)");
  });

  it("sends nothing when the caller gave no progress token", async () => {
    let sends = 0;
    const reporter = createJobProgressReporter({
      mcpReq: { _meta: {}, notify: async () => void sends++ }
    } as unknown as ToolExtra);
    await reporter.update(job({}));
    await reporter.flush();
    expect(sends).toBe(0);
  });
});
