/**
 * `count`: Gemini counts the request's input tokens (see
 * `checkInputTokens`); a request over the model's limit is refused, any
 * other moves to generating, saying what it will cost.
 * @module
 */
import { isFinal } from "../job";
import { checkInputTokens, ContextLimitError } from "../token-check";
import { oneStep, type StageRun } from "./stage";
import { videoQuestion } from "./video-question";

/** Tasks' limit for one attempt; see `run-job.ts`. */
const TIMEOUT_MS = 10 * 60_000;

export const countTokens = oneStep("count", TIMEOUT_MS, (job) => !isFinal(job) && job.state !== "generating", count);

async function count(run: StageRun): Promise<void> {
  run.update({ message: "counting the video's input tokens" });
  const { job } = run;
  const { details, message, refusal } = await checkInputTokens(
    { input: job.input, durationSeconds: job.details.durationSeconds, question: videoQuestion(job) },
    { ai: run.ai, target: run.target, signal: run.signal }
  );
  if (refusal) {
    run.update({}, details);
    throw new ContextLimitError(refusal);
  }
  run.update({ state: "generating", message }, details);
}
