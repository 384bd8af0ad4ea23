/**
 * One analysis job as an agents Task run: the driver that takes the job
 * through `STAGES`, from whatever stage its row says it is in to a final
 * state. Each stage is a file of `stages/`, and each of its steps a
 * journaled step of the Task:
 *
 * `resolve` (queued → uploading, or a YouTube link or an earlier upload read
 * as is) → `upload` (stream the source into a resumable Files API upload)
 * → `poll:N` / `wait:N` (the file until ACTIVE, durable sleeps between; then
 * kept for follow-ups) → `plan` (a long video cut into segments) → `count`
 * (Gemini counts the input tokens; a request over the model's limit, or over
 * a cost cap, is refused) → `cache` (a follow-up's video held in a context
 * cache) → `generate`, or `segment:N` … `merge` for a segmented video (or,
 * for `priority: "batch"`, `batch-submit` then `batch-poll:N` /
 * `batch-wait:N` through Gemini's Batch API) → done.
 *
 * Tasks' limit for one attempt of each step (a stage's `TIMEOUT_MS`) is
 * above the limits the work has of its own (stalls, `MAX_PROCESSING_MS`, the
 * answer's total time), so that those end it with a readable error first.
 *
 * The row stays the checkpoint inside a step. A step ends a failing job
 * itself (failed, with a readable error) and returns, so Tasks' own retries
 * never run: Gemini's calls are retried inside, on RetryInfo. A cancelled
 * run is ended by `JobManager` (see `endCancelled`). An uploaded file is
 * kept for follow-up questions once Gemini has processed it (see
 * `VideoFiles`), and deleted otherwise.
 * @module
 */
import { ApiError, type GoogleGenAI } from "@google/genai";
import type { TaskStep, TaskValue } from "agents/tasks";
import { createGeminiClient } from "../gemini/client";
import { describeGeminiError } from "../gemini/errors";
import { withRetry, type RetryNotice } from "../gemini/retry";
import type { UploadTarget } from "../gemini/upload";
import { isFinal, type Job, type JobDetails } from "./job";
import type { JobContext } from "./job-context";
import type { JobStop } from "./job-stop";
import type { JobUpdate } from "./job-store";
import { batchGenerate, cancelBatchOf } from "./stages/batch-generate";
import { countTokens } from "./stages/count-tokens";
import { generate } from "./stages/generate";
import { generateSegments } from "./stages/generate-segments";
import { planStage } from "./stages/plan-segments";
import { releaseFileOf } from "./stages/keep-file";
import { resolveSource } from "./stages/resolve-source";
import type { Stage, StageRun } from "./stages/stage";
import { upload } from "./stages/upload";
import { useCache } from "./stages/use-cache";
import { waitActive } from "./stages/wait-active";
import { waitUpload } from "./stages/wait-upload";

/** The stages of a run, in order: each runs when it applies to the job as the ones before left it. */
export const STAGES: readonly Stage[] = [
  resolveSource,
  waitUpload,
  upload,
  waitActive,
  planStage,
  countTokens,
  useCache,
  generate,
  generateSegments,
  batchGenerate
];

/** Gemini's words for a file it no longer has: "files/abc is not found", "access the File abc or it may not exist". */
const MENTIONS_A_FILE = /\bfiles?\b/i;

function retryMessage(what: string, { attempt, delayMs, error }: RetryNotice): string {
  return `${what}: ${describeGeminiError(error)} Retrying in ${Math.ceil(delayMs / 1000)} s (attempt ${attempt + 1}).`;
}

class JobRun implements StageRun {
  job: Job;
  readonly target: UploadTarget;
  signal = new AbortController().signal;

  constructor(
    readonly context: JobContext,
    jobId: string,
    readonly ai: GoogleGenAI,
    readonly task: TaskStep
  ) {
    // SAFETY: a run is started only for a stored job, whose row goes only with the session's storage, once `endAll` ended every run;
    // `runJob` made a client, so there is a key.
    this.job = context.store.get(jobId)!;
    this.target = { apiKey: context.gemini.apiKey!, baseUrl: context.gemini.baseUrl, fetch: context.fetch };
  }

  async run(): Promise<void> {
    for (const stage of STAGES) if (stage.applies(this.job)) await stage.run(this);
  }

  update(update: JobUpdate & { details?: never }, details?: JobDetails): Job {
    const merged = details ? { ...update, details: { ...this.job.details, ...details } } : update;
    this.job = this.context.store.update(this.job.id, merged);
    this.context.changed(this.job);
    return this.job;
  }

  retrying<T>(what: string, operation: () => Promise<T>, retryable?: (error: unknown) => boolean): Promise<T> {
    return withRetry(operation, {
      sleep: (ms, signal) => this.context.sleep(ms, signal),
      signal: this.signal,
      onRetry: (notice) => void this.update({ message: retryMessage(what, notice) }),
      ...(retryable ? { retryable } : {})
    });
  }

  step<T extends TaskValue>(name: string, timeoutMs: number, work: () => Promise<T>): Promise<T | null> {
    return this.task.do(name, { timeout: timeoutMs, retries: { limit: 1 } }, async ({ signal }) => {
      this.signal = signal;
      // SAFETY: as in the constructor, the job's row outlives its run.
      this.job = this.context.store.get(this.job.id)!;
      try {
        return await work();
      } catch (error) {
        if (signal.aborted) throw error;
        await this.fail(error);
        return null;
      }
    });
  }

  private async fail(error: unknown): Promise<void> {
    if (
      this.job.fileName &&
      error instanceof ApiError &&
      [403, 404].includes(error.status) &&
      MENTIONS_A_FILE.test(error.message)
    ) {
      // The kept copy is gone or unreadable: the next request uploads afresh.
      this.context.files.forget(this.job.fileName);
      await this.context.shared.withdraw(this.job.input.source.url, this.job.fileName).catch(() => {});
    }
    this.update({ state: "failed", message: "failed", error: describeGeminiError(error) });
    await releaseFileOf(this.context, this.job);
  }
}

/** The Task handler's body: runs the job `jobId`'s stages (see the module comment). */
export async function runJob(context: JobContext, jobId: string, task: TaskStep): Promise<void> {
  let ai: GoogleGenAI;
  try {
    ai = createGeminiClient(context.gemini, context.fetch);
  } catch (error) {
    context.changed(context.store.update(jobId, { state: "failed", message: "failed", error: describeGeminiError(error) }));
    return;
  }
  await new JobRun(context, jobId, ai, task).run();
}

/**
 * Ends a cancelled job once its run has stopped: cancelled, with the
 * reason; an upload kept for a retry when `stop` says so (the job is then
 * resumable), deleted otherwise unless another job reads it.
 */
export async function endCancelled(context: JobContext, jobId: string, stop: JobStop): Promise<Job> {
  // SAFETY: `JobManager.stop` ends only jobs it found stored, whose rows outlive their runs.
  let job = context.store.get(jobId)!;
  if (isFinal(job)) return job;
  const resumable = stop.keepUpload && (job.uploadUrl !== null || job.fileName !== null);
  job = context.store.update(jobId, {
    state: "cancelled",
    message: "cancelled",
    error: `Cancelled: ${stop.message}`,
    ...(resumable ? { details: { ...job.details, resumable } } : {})
  });
  context.changed(job);
  // The owner cancelled: the video's cache goes too (a cache is made for questions yet to come).
  if (job.details.cacheName && !stop.keepUpload) await context.dropCaches([job.details.cacheName]);
  // Nobody will read the batch's answer: Gemini need not make it.
  if (job.details.batchName) await cancelBatchOf(context, job.details.batchName);
  await releaseFileOf(context, job);
  return job;
}
