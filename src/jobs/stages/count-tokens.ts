/**
 * `count`: Gemini counts the request's input tokens (see
 * `checkInputTokens`); a request over the model's limit is refused, any
 * other moves to generating, saying what it will cost.
 * @module
 */
import type { SegmentWindow } from "../../analysis/segment-plan";
import { estimateTextTokens, modelFamily, secondsForTokens } from "../../analysis/tokens";
import { isFinal, type Job } from "../job";
import { checkInputTokens, ContextLimitError } from "../token-check";
import { planJob } from "./plan-segments";
import { oneStep, type StageRun } from "./stage";
import { videoQuestion } from "./video-question";

/** Tasks' limit for one attempt; see `run-job.ts`. */
const TIMEOUT_MS = 10 * 60_000;

export const countTokens = oneStep("count", TIMEOUT_MS, (job) => !isFinal(job) && job.state !== "generating", count);

async function count(run: StageRun): Promise<void> {
  run.update({ message: "counting the video's input tokens" });
  const { job } = run;
  // A segmented video: each request must fit, so the longest segment's is the one counted.
  const longest = longestSegment(job);
  const { details, message, refusal } = await checkInputTokens(
    {
      input: longest ? { ...job.input, startSeconds: longest.start, endSeconds: longest.end } : job.input,
      durationSeconds: job.details.durationSeconds,
      question: videoQuestion(job, longest)
    },
    { ai: run.ai, target: run.target, signal: run.signal }
  );
  // A YouTube link's length is unknown until Gemini counts it: a long one is planned now, and its longest segment counted.
  if (!longest && job.details.durationSeconds === undefined && details.countedTokens !== undefined) {
    const family = modelFamily(job.input.model);
    const seconds = secondsForTokens(details.countedTokens - estimateTextTokens(job.input.prompt), job.input, family);
    if (await planJob(run, (job.input.startSeconds ?? 0) + seconds, true)) return count(run);
  }
  if (refusal) {
    run.update({}, details);
    throw new ContextLimitError(refusal);
  }
  const plan = job.details.plan;
  run.update(
    {
      state: "generating",
      message: plan
        ? `${message}; in ${plan.segments.length} segments, about ${plan.estimatedInputTokens.toLocaleString("en-US")} input tokens in all`
        : message
    },
    details
  );
}

function longestSegment(job: Job): SegmentWindow | undefined {
  const segments = job.details.plan?.segments ?? [];
  return segments.reduce<SegmentWindow | undefined>(
    (longest, window) => (!longest || window.end - window.start > longest.end - longest.start ? window : longest),
    undefined
  );
}
