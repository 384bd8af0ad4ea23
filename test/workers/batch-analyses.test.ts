/**
 * Analyses with `priority: "batch"`: generated through Gemini's Batch API,
 * waited for on the session's durable schedule (through a restart), their
 * progress saying where the batch stands, cancelled with the job.
 */
import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { useFakes } from "./support/fetch-spy";
import { openIdleSession, sessionStub } from "./support/http";
import { callTool, pollJob, snapshotOf, withAlarms } from "./support/session-calls";

const fakes = useFakes();
const MiB = 1024 * 1024;
const WHERE_THE_BATCH_STANDS = /^(queued|running) in Gemini's batch, submitted (just now|\d+ min ago)$/;

const batchCreations = () => fakes.gemini.requests.filter((request) => request.path.endsWith(":batchGenerateContent"));
/** A model the price table lists (the tests' default has no price). */
const PRICED_MODEL = "gemini-3-flash-preview";
const batches = () => [...fakes.gemini.batches.entries.values()];

async function startBatch(path: string, options: Record<string, unknown> = {}) {
  const videoUrl = fakes.videos.add(path, { size: 2 * MiB });
  const sessionId = await openIdleSession();
  const started = await callTool(sessionId, "startVideoAnalysis", {
    videoUrl,
    prompt: "What happens?",
    priority: "batch",
    ...options
  });
  const { jobId } = snapshotOf(started);
  const queued = await withAlarms(
    sessionId,
    pollJob(sessionId, jobId, (job) => WHERE_THE_BATCH_STANDS.test(String(job.message)))
  );
  return { sessionId, jobId, queued };
}

describe("batch analyses", () => {
  it("go through Gemini's Batch API, say where the batch stands, and answer as any other analysis", async () => {
    fakes.gemini.batches.enqueue({ pollsPending: 2, pollsRunning: 1 });
    const { sessionId, jobId, queued } = await startBatch("/batch.mp4");
    expect(queued).toMatchObject({ status: "generating" });
    const done = await withAlarms(
      sessionId,
      pollJob(sessionId, jobId, (job) => job.status === "done")
    );
    expect(done.result).toMatchObject({ text: "The video shows a cat at 00:05 and a dog at 01:10." });
    expect(done.usage).toMatchObject({ inputTokens: expect.any(Number), outputTokens: expect.any(Number) });
    // Asked once, inlined in a batch, the video part first; never streamed.
    expect(fakes.gemini.generateRequests()).toEqual([]);
    expect(batchCreations()).toHaveLength(1);
    const [file] = [...fakes.gemini.files.values()];
    expect(batchCreations()[0]?.body).toMatchObject({
      batch: {
        displayName: `analysis ${jobId}`,
        inputConfig: {
          requests: {
            requests: [{ request: { contents: [{ parts: [{ fileData: { fileUri: file?.uri } }, { text: "What happens?" }] }] } }]
          }
        }
      }
    });
    expect(batches().map((batch) => batch.state)).toEqual(["BATCH_STATE_SUCCEEDED"]);
  });

  it("costs half what the same question costs answered now, estimate and cost alike", { timeout: 20_000 }, async () => {
    fakes.gemini.batches.enqueue({ pollsPending: 2, pollsRunning: 0 });
    fakes.gemini.caches.implicitWindowMs = 0;
    const plainUrl = fakes.videos.add("/plain.mp4", { size: 2 * MiB });
    const sessionId = await openIdleSession();
    const plain = snapshotOf(
      await callTool(sessionId, "analyzeRemoteVideo", { videoUrl: plainUrl, prompt: "What happens?", model: PRICED_MODEL })
    );
    const { sessionId: batchSession, jobId } = await startBatch("/batch-price.mp4", { model: PRICED_MODEL });
    const batch = await withAlarms(
      batchSession,
      pollJob(batchSession, jobId, (job) => job.status === "done")
    );
    expect(batch.usage).toEqual(plain.usage);
    expect(batch.costUsd).toBeCloseTo((plain.costUsd as number) / 2, 12);
    expect(batch.estimatedCostUsd).toBeCloseTo((plain.estimatedCostUsd as number) / 2, 12);
  });

  it("waits for the batch through a restart of the session's object, without submitting it again", {
    timeout: 30_000
  }, async () => {
    fakes.gemini.batches.enqueue({ pollsPending: 3, pollsRunning: 2 });
    const { sessionId, jobId } = await startBatch("/batch-restart.mp4");
    fakes.sever();
    await evictDurableObject(sessionStub(sessionId));
    const done = await withAlarms(
      sessionId,
      pollJob(sessionId, jobId, (job) => job.status === "done")
    );
    expect(done.result).toMatchObject({ text: "The video shows a cat at 00:05 and a dog at 01:10." });
    expect(batchCreations()).toHaveLength(1);
    expect(batches().map((batch) => batch.state)).toEqual(["BATCH_STATE_SUCCEEDED"]);
  });

  it("cancels the batch when the job is cancelled", async () => {
    fakes.gemini.batches.enqueue({ pollsPending: 1000 });
    const { sessionId, jobId } = await startBatch("/batch-cancel.mp4");
    const cancelled = await callTool(sessionId, "cancelVideoAnalysis", { jobId });
    expect(cancelled.structuredContent).toMatchObject({ status: "cancelled" });
    await expect.poll(() => batches().map((batch) => batch.state)).toEqual(["BATCH_STATE_CANCELLED"]);
  });

  it("fails with a readable error when Gemini's batch expires", async () => {
    fakes.gemini.batches.enqueue({ pollsPending: 1, pollsRunning: 0, outcome: "BATCH_STATE_EXPIRED" });
    const { sessionId, jobId } = await startBatch("/batch-expired.mp4");
    const failed = await withAlarms(
      sessionId,
      pollJob(sessionId, jobId, (job) => job.status === "failed")
    );
    expect(failed.error).toMatch(/^Gemini's batch expired before it ran/);
  });
});
