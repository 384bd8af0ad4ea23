/**
 * `plan`: whether a long video is cut into segments, and where (see
 * `analysis/segment-plan.ts`), from the video's length, the request and the
 * model's limits. A plan of more than one segment is recorded on the job
 * (`details.plan`, shown in its result) before anything is counted or
 * generated; a video of unknown length (a YouTube link) or short enough is
 * asked in one call, as before.
 * @module
 */
import { DEFAULT_SEGMENT_CONCURRENCY } from "../../config";
import { planSegments } from "../../analysis/segment-plan";
import { estimateTextTokens, modelFamily } from "../../analysis/tokens";
import { modelLimits } from "../../gemini/models";
import { isFinal } from "../job";
import { oneStep, type StageRun } from "./stage";

/** Tasks' limit for one attempt; see `run-job.ts`. */
const TIMEOUT_MS = 2 * 60_000;

export const planStage = oneStep(
  "plan",
  TIMEOUT_MS,
  (job) => !isFinal(job) && job.state !== "generating" && job.details.plan === undefined,
  plan
);

async function plan(run: StageRun): Promise<void> {
  const { input, details } = run.job;
  const durationSeconds = details.durationSeconds ?? input.followUp?.durationSeconds;
  if (durationSeconds !== undefined) await planJob(run, durationSeconds, false);
}

/**
 * Plans the job for a video of `durationSeconds`, and records a plan of more
 * than one segment; true when it did. `lengthEstimated`: the length was
 * worked out from Gemini's token count (a YouTube link), so the last segment
 * is asked to the video's end, wherever that is.
 */
export async function planJob(run: StageRun, durationSeconds: number, lengthEstimated: boolean): Promise<boolean> {
  const { input } = run.job;
  // A batch is one request at the Batch API's price: a video too long for it is refused by `count`, never cut.
  if (input.priority === "batch") return false;
  const limits = await modelLimits(run.ai, input.model);
  const planned = planSegments({
    durationSeconds,
    startSeconds: input.startSeconds,
    endSeconds: input.endSeconds,
    fps: input.fps,
    mediaResolution: input.mediaResolution,
    format: input.format ?? "text",
    promptTokens: estimateTextTokens(input.prompt),
    family: modelFamily(input.model),
    inputTokenLimit: limits?.inputTokenLimit,
    outputTokenLimit: limits?.outputTokenLimit,
    concurrency: run.context.gemini.segmentConcurrency ?? DEFAULT_SEGMENT_CONCURRENCY
  });
  if (planned.segments.length <= 1) return false;
  run.update(
    { message: `planned ${planned.segments.length} segments` },
    lengthEstimated ? { plan: { ...planned, lengthEstimated } } : { plan: planned, durationSeconds }
  );
  return true;
}
