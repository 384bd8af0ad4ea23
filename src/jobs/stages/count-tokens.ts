/**
 * `count`: Gemini counts the request's input tokens (see
 * `checkInputTokens`); a request over the model's limit, or whose estimated
 * cost is over a cap (`checkCost`), is refused; any other moves to
 * generating, saying what it will cost in tokens and money.
 * @module
 */
import { checkCost, CostCapError } from "../cost-check";
import { isFinal, type Job } from "../job";
import { checkInputTokens, ContextLimitError } from "../token-check";
import { oneStep, type StageRun } from "./stage";
import { videoQuestion } from "./video-question";

/** Tasks' limit for one attempt; see `run-job.ts`. */
const TIMEOUT_MS = 10 * 60_000;

export const countTokens = oneStep("count", TIMEOUT_MS, (job) => !isFinal(job) && job.state !== "generating", count);

/** A refusal of several videos says it counted them together, and how to fit. */
function forTheSet(job: Job, refusal: string): string {
  const count = job.input.videos?.length;
  return count
    ? `These ${count} videos together: ${refusal} Ask about fewer of them at once, or about each video alone.`
    : refusal;
}

async function count(run: StageRun): Promise<void> {
  run.update({ message: "counting the video's input tokens" });
  const { job } = run;
  const { details, message, refusal } = await checkInputTokens(
    { input: job.input, durationSeconds: job.details.durationSeconds, question: videoQuestion(job) },
    { ai: run.ai, target: run.target, signal: run.signal }
  );
  if (refusal) {
    run.update({}, details);
    throw new ContextLimitError(forTheSet(job, refusal));
  }
  const cost = await checkCost(
    {
      jobId: job.id,
      input: job.input,
      durationSeconds: job.details.durationSeconds,
      inputTokens: details.countedTokens ?? details.estimatedTokens,
      isCounted: details.countedTokens !== undefined,
      uploaded: job.fileName !== null || (job.details.videos?.some((video) => video.fileName !== null) ?? false)
    },
    run.context.cost
  );
  if (cost.refusal) {
    run.update({}, { ...details, ...cost.details });
    throw new CostCapError(forTheSet(job, cost.refusal));
  }
  const withCost = cost.summary ? message.replace(/\)$/, `; ${cost.summary})`) : message;
  run.update({ state: "generating", message: withCost }, { ...details, ...cost.details });
}
