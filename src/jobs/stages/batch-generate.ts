/**
 * `batch-submit`, then `batch-poll:N` / `batch-wait:N`: a job with
 * `priority: "batch"` has its question answered through Gemini's Batch API
 * (half price, within 24 hours). The batch's name is stored with the job,
 * and the job looks at it on the session's durable schedule (sleeps that
 * grow from 30 s to 10 min), so the wait survives restarts and costs no
 * busy loop; its progress says where the batch stands ("queued in Gemini's
 * batch, submitted 12 min ago"). The answer ends the job as `generate`'s
 * does; a cancel cancels the batch (`cancelBatchOf`).
 * @module
 */
import { cancelBatch, readBatch, submitBatch } from "../../gemini/batches";
import { createGeminiClient } from "../../gemini/client";
import type { JobContext } from "../job-context";
import { finishAnswer } from "./generate";
import type { Stage, StageRun } from "./stage";
import { videoQuestion } from "./video-question";

/** The first wait between looks at a batch; each wait doubles, up to `BATCH_POLL_MAX_MS`. */
export const BATCH_POLL_FIRST_MS = 30_000;
export const BATCH_POLL_MAX_MS = 10 * 60_000;
/** Tasks' limit for one submission or one look; see `run-job.ts`. */
const STEP_TIMEOUT_MS = 5 * 60_000;

/** The wait after look number `poll`. */
export function batchPollDelayMs(poll: number): number {
  return Math.min(BATCH_POLL_FIRST_MS * 2 ** Math.min(poll, 10), BATCH_POLL_MAX_MS);
}

export const batchGenerate: Stage = {
  steps: ["batch-submit", "batch-poll:N", "batch-wait:N"],
  applies: (job) => job.state === "generating" && job.input.priority === "batch",
  async run(run) {
    if ((await run.step("batch-submit", STEP_TIMEOUT_MS, () => submit(run))) === null) return;
    for (let poll = 0; ; poll++) {
      if ((await run.step(`batch-poll:${poll}`, STEP_TIMEOUT_MS, () => look(run))) !== false) return;
      await run.task.sleep(`batch-wait:${poll}`, batchPollDelayMs(poll));
    }
  }
};

/** Submits the question, unless a run before a restart already did. */
async function submit(run: StageRun): Promise<string> {
  const { batchName } = run.job.details;
  if (batchName) return batchName;
  const name = await run.retrying("Submitting to Gemini's batch", () =>
    submitBatch(run.ai, videoQuestion(run.job), `analysis ${run.job.id}`)
  );
  run.update({ message: "queued in Gemini's batch, submitted just now" }, { batchName: name, batchSubmittedAt: Date.now() });
  return name;
}

/** True once the job is done with the batch's answer; false while the batch waits or runs. */
async function look(run: StageRun): Promise<boolean> {
  // SAFETY: `batch-submit` stored the name before any look.
  const name = run.job.details.batchName!;
  const progress = await run.retrying("Checking Gemini's batch", () => readBatch(run.ai, name, videoQuestion(run.job)));
  if (progress.state === "ended") throw progress.error;
  if (progress.state === "done") {
    finishAnswer(run, progress.answer);
    return true;
  }
  const minutes = Math.floor((Date.now() - (run.job.details.batchSubmittedAt ?? Date.now())) / 60_000);
  const where = progress.state === "queued" ? "queued in" : "running in";
  run.update({ message: `${where} Gemini's batch, submitted ${minutes === 0 ? "just now" : `${minutes} min ago`}` });
  return false;
}

/** Cancels a stopped job's batch, so Gemini does not answer (and bill) a question nobody will read. */
export async function cancelBatchOf(context: JobContext, name: string): Promise<void> {
  if (!context.gemini.apiKey) return;
  await cancelBatch(createGeminiClient(context.gemini, context.fetch), name);
}
