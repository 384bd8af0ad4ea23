/**
 * `count`: Gemini counts the request's input tokens (see
 * `checkInputTokens`); a request over the model's limit, or whose estimated
 * cost is over a cap (`checkCost`), is refused; any other moves to
 * generating, saying what it will cost in tokens and money.
 * @module
 */
import type { SegmentWindow } from "../../analysis/segment-plan";
import { estimateTextTokens, modelFamily, secondsForTokens } from "../../analysis/tokens";
import { checkCost, CostCapError } from "../cost-check";
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
  const cost = await checkCost(
    {
      jobId: job.id,
      input: job.input,
      durationSeconds: job.details.durationSeconds,
      inputTokens: plan ? plan.estimatedInputTokens : (details.countedTokens ?? details.estimatedTokens),
      isCounted: !plan && details.countedTokens !== undefined,
      uploaded: job.fileName !== null,
      ...(plan ? { segments: { calls: plan.segments.length, outputTokens: plan.estimatedOutputTokens } } : {})
    },
    run.context.cost
  );
  if (cost.refusal) {
    run.update({}, { ...details, ...cost.details });
    throw new CostCapError(cost.refusal);
  }
  const planned = plan
    ? `${message}; in ${plan.segments.length} segments, about ${plan.estimatedInputTokens.toLocaleString("en-US")} input tokens in all`
    : message;
  const withCost = !cost.summary ? planned : plan ? `${planned}; ${cost.summary}` : message.replace(/\)$/, `; ${cost.summary})`);
  run.update({ state: "generating", message: withCost }, { ...details, ...cost.details });
}

function longestSegment(job: Job): SegmentWindow | undefined {
  const segments = job.details.plan?.segments ?? [];
  return segments.reduce<SegmentWindow | undefined>(
    (longest, window) => (!longest || window.end - window.start > longest.end - longest.start ? window : longest),
    undefined
  );
}
