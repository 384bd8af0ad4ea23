/**
 * The console's index (`ConsoleDO`): reports that cross on the way never
 * move an analysis back, the list is newest first, and only what is stored
 * reaches the pages' stream. What the index is sent leaves out the upload URL
 * and any partial answer (`reportOf`).
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { DEFAULT_SESSION_TTL_SECONDS } from "../../src/config";
import { describe, expect, it } from "vitest";
import type { Job } from "../../src/jobs/job";
import { PRUNE_BATCH } from "../../src/console/analyses-store";
import { CONSOLE_SESSION_HEADER } from "../../src/console/console-do";
import { toEntry } from "../../src/console/analysis-entry";
import { PROGRESS_INTERVAL_MS } from "../../src/jobs/job-progress";
import { ConsoleReporter, type ConsoleStub, reportOf } from "../../src/session/console-reporter";
import { SseReader } from "./support/http";
import { jobRecord } from "./support/job-record";

let next = 0;
/** Times near now, so pruning (rows ended longer than SESSION_TTL_SECONDS ago) leaves these analyses alone. */
const T = Date.now();
function job(changes: Record<string, unknown> = {}): Job {
  next += 1;
  const session = next.toString(16).padStart(32, "0");
  return jobRecord({
    id: `${session}.${"0".repeat(16)}`,
    input: { videoUrl: "https://www.youtube.com/watch?v=dQw4w9WgXcQ", prompt: "What happens?", model: "gemini-test-flash" },
    state: "queued",
    message: "queued",
    createdAt: T + next,
    updatedAt: T + next,
    ...changes
  });
}

/** A console object of its own, so these tests see only their own analyses. */
function index() {
  return env.CONSOLE.get(env.CONSOLE.idFromName(`index-test-${crypto.randomUUID()}`));
}

/** The console object's event stream for a sign-in of its own, ending at `expiresAt`. */
async function signedInStream(console: ReturnType<typeof index>, expiresAt = Date.now() + 60_000, hash = crypto.randomUUID()) {
  await console.createSession(hash, expiresAt);
  return console.fetch("https://console.internal/events", { headers: { [CONSOLE_SESSION_HEADER]: hash } });
}

describe("ConsoleDO", () => {
  it("record ignores a report older than the one stored", async () => {
    const console = index();
    const generating = job({ state: "generating", message: "generating", updatedAt: T + 5_000 });
    await console.record(reportOf(generating));
    await console.record(
      reportOf(job({ ...generating, state: "uploading", message: "uploading 8 / 20 MB", updatedAt: T + 4_000 }))
    );
    expect((await console.get(generating.id))?.job).toMatchObject({ state: "generating", updatedAt: T + 5_000 });
  });

  it("record never moves a final analysis back, whatever its time", async () => {
    const console = index();
    const done = job({ state: "done", message: "done", updatedAt: T + 5_000 });
    await console.record(reportOf(done));
    await console.record(reportOf(job({ ...done, state: "generating", updatedAt: T + 6_000 })));
    expect((await console.get(done.id))?.job).toMatchObject({ state: "done" });
  });

  it("list is newest first", async () => {
    const console = index();
    const [older, newer] = [job(), job()];
    await console.record(reportOf(newer!));
    await console.record(reportOf(older!));
    expect((await console.list()).map((entry) => entry.id)).toEqual([newer!.id, older!.id]);
  });

  it("streams the list at once, then each stored change, and not an ignored one", async () => {
    const console = index();
    const first = job({ state: "uploading", updatedAt: T + 5_000 });
    await console.record(reportOf(first));
    const response = await signedInStream(console);
    const reader = new SseReader(response.body!);
    const opening = await reader.nextEvent();
    expect(opening.event).toBe("analyses");
    expect(JSON.parse(opening.data)).toMatchObject([{ id: first.id, state: "uploading" }]);
    await console.record(reportOf(job({ ...first, updatedAt: T + 4_000, state: "queued" })));
    await console.record(
      reportOf(job({ ...first, updatedAt: T + 6_000, state: "processing", message: "Gemini is processing the video" }))
    );
    const change = await reader.nextEvent();
    expect(change.event).toBe("analysis");
    expect(JSON.parse(change.data)).toMatchObject({ id: first.id, state: "processing", percent: 60 });
    await reader.cancel();
  });

  it("reportOf leaves out the upload URL, and the answer until the job is final, but counts it in the percent", () => {
    const uploaded = { uploadUrl: "https://upload.example/session", fileName: "files/abc" };
    const started = reportOf(job({ state: "generating", ...uploaded, text: "" }));
    const running = reportOf(job({ state: "generating", ...uploaded, text: "The video shows ".repeat(100) }));
    expect(running.job).toMatchObject({ uploadUrl: null, text: "" });
    expect(started.percent).toBe(70);
    expect(running.percent).toBeGreaterThan(started.percent);
    const done = reportOf(job({ state: "done", ...uploaded, text: "The video shows a cat." }));
    expect(done).toMatchObject({ job: { uploadUrl: null, text: "The video shows a cat." }, percent: 100 });
  });

  it("the reporter tells of a stage's changes at the clients' pace: the first at once, the latest when PROGRESS_INTERVAL_MS is up", async () => {
    const sent: string[] = [];
    const recorder = { record: async (report: ReturnType<typeof reportOf>) => void sent.push(report.job.message) };
    const reporter = new ConsoleReporter(() => recorder as unknown as ConsoleStub);
    const uploading = job({ state: "uploading", totalBytes: 100 });
    const startedAt = Date.now();
    for (const bytes of [10, 20, 30]) reporter.changed({ ...uploading, bytesUploaded: bytes, message: `uploading ${bytes}` });
    expect(sent).toEqual(["uploading 10"]);
    while (sent.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    const waitedMs = Date.now() - startedAt;
    expect(sent).toEqual(["uploading 10", "uploading 30"]);
    expect(waitedMs).toBeGreaterThanOrEqual(PROGRESS_INTERVAL_MS - 5);
    // Well short of the 500 ms the console once had of its own (a late timer on a busy machine aside).
    expect(waitedMs).toBeLessThan(400);
  });

  it("the reporter sends a final report again when the index missed it", async () => {
    const console = index();
    const calls: string[] = [];
    // The index's binding as a lost call looks: the first record never arrives.
    const lossy = {
      record(report: ReturnType<typeof reportOf>) {
        calls.push(report.job.state);
        return calls.length === 1 ? Promise.reject(new Error("Network connection lost.")) : console.record(report);
      }
    } as unknown as ConsoleStub;
    const done = job({ state: "done", message: "done", text: "A cat." });
    new ConsoleReporter(() => lossy).changed(done);
    const deadline = Date.now() + 4_000;
    while ((await console.get(done.id))?.job.state !== "done") {
      if (Date.now() > deadline) throw new Error(`the final report never arrived: ${calls.join(", ")}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(calls).toEqual(["done", "done"]);
  });

  it("list carries the entries alone, not the answers", async () => {
    const console = index();
    const answer = "A long transcript line. ".repeat(2_000);
    const done = job({ state: "done", message: "done", text: answer, details: { durationSeconds: 90 } });
    await console.record(reportOf(done));
    const list = await console.list();
    expect(list).toEqual([toEntry(reportOf(done))]);
    expect(JSON.stringify(list)).not.toContain("A long transcript line.");
    expect((await console.get(done.id))?.job).toMatchObject({ state: "done", text: answer });
  });

  it("prunes analyses that ended longer than SESSION_TTL_SECONDS ago, and only those", async () => {
    const console = index();
    const ttlMs = DEFAULT_SESSION_TTL_SECONDS * 1000;
    const longAgo = Date.now() - ttlMs - 60_000;
    const old = job({ state: "done", createdAt: longAgo - 1_000, updatedAt: longAgo });
    const oldFailed = job({ state: "failed", createdAt: longAgo - 1_000, updatedAt: longAgo });
    const recent = job({ state: "cancelled", createdAt: longAgo, updatedAt: Date.now() - ttlMs + 60_000 });
    const running = job({ state: "uploading", createdAt: longAgo - 1_000, updatedAt: longAgo });
    for (const each of [old, oldFailed, recent, running]) await console.record(reportOf(each));
    await console.record(reportOf(job({ state: "queued" })));
    const ids = (await console.list()).map((entry) => entry.id);
    expect(ids).not.toContain(old.id);
    expect(ids).not.toContain(oldFailed.id);
    expect(ids).toEqual(expect.arrayContaining([recent.id, running.id]));
    expect(await console.get(old.id)).toBeUndefined();
  });

  it("deletes at most PRUNE_BATCH ended analyses a write", async () => {
    const console = index();
    const longAgo = Date.now() - DEFAULT_SESSION_TTL_SECONDS * 1000 - 60_000;
    await console.record(reportOf(job({ state: "queued" })));
    await runInDurableObject(console, (_instance, state) => {
      for (let i = 0; i < PRUNE_BATCH + 5; i += 1) {
        state.storage.sql.exec(
          `INSERT INTO console_analyses (id, created_at, updated_at, state, percent, job, tool, video_url, message)
           VALUES (?, ?, ?, 'done', 100, '{}', 'analyzeRemoteVideo', 'https://video.example/a.mp4', 'done')`,
          job().id,
          longAgo,
          longAgo
        );
      }
    });
    await console.record(reportOf(job({ state: "queued" })));
    expect((await console.list()).length).toBe(2 + 5);
    await console.record(reportOf(job({ state: "queued" })));
    expect((await console.list()).length).toBe(3);
  });

  it("fills in the list's columns of a table an earlier version made", async () => {
    const console = index();
    const followUp = job({
      state: "done",
      message: "done",
      error: null,
      input: {
        ...job().input,
        followUp: { jobId: "x", fileName: "files/x", fileUri: "https://files.example/x", mimeType: "video/mp4" }
      }
    });
    await runInDurableObject(console, (_instance, state) => {
      state.storage.sql.exec(
        `CREATE TABLE console_analyses (id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
           state TEXT NOT NULL, percent INTEGER NOT NULL, job TEXT NOT NULL)`
      );
      state.storage.sql.exec(
        "INSERT INTO console_analyses VALUES (?, ?, ?, ?, ?, ?)",
        followUp.id,
        followUp.createdAt,
        followUp.updatedAt,
        followUp.state,
        100,
        JSON.stringify(followUp)
      );
    });
    expect(await console.list()).toEqual([toEntry(reportOf(followUp))]);
  });

  it("streams only to a sign-in it holds", async () => {
    const console = index();
    expect((await console.fetch("https://console.internal/events")).status).toBe(401);
    const unknown = await console.fetch("https://console.internal/events", {
      headers: { [CONSOLE_SESSION_HEADER]: "f".repeat(64) }
    });
    expect(unknown.status).toBe(401);
    expect((await signedInStream(console, Date.now() - 1)).status).toBe(401);
  });

  it("closes a sign-in's streams when it signs out, and only its own", async () => {
    const console = index();
    const [mine, theirs] = [await signedInStream(console, undefined, "a".repeat(64)), await signedInStream(console)];
    const [myReader, theirReader] = [new SseReader(mine.body!), new SseReader(theirs.body!)];
    expect((await myReader.nextEvent()).event).toBe("analyses");
    expect((await theirReader.nextEvent()).event).toBe("analyses");
    await console.endSession("a".repeat(64));
    await expect(myReader.next(3_000)).rejects.toThrow("SSE stream ended");
    const running = job({ state: "uploading" });
    await console.record(reportOf(running));
    expect(JSON.parse((await theirReader.nextEvent()).data)).toMatchObject({ id: running.id });
    await theirReader.cancel();
  });

  it("ends a stream when its sign-in expires", async () => {
    const console = index();
    const reader = new SseReader((await signedInStream(console, Date.now() + 500)).body!);
    expect((await reader.nextEvent()).event).toBe("analyses");
    await expect(reader.next(3_000)).rejects.toThrow("SSE stream ended");
  });
});
