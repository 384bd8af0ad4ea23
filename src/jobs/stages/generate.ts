/**
 * `generate`: Gemini watches the video and streams its answer into the
 * job; the answer is checked against the format asked for, and the job is
 * done, with what it cost.
 * @module
 */
import { checkAnswer } from "../../analysis/formats";
import { askGeminiAboutVideo, NoAnswerError, type VideoAnswer } from "../../gemini/analyze";
import { describeFinishReason } from "../../gemini/finish-reasons";
import { costAfter } from "../cost-check";
import { answeredInOneCall } from "./generate-segments";
import { oneStep, type StageRun } from "./stage";
import { askWithCache } from "./use-cache";
import { videoQuestion } from "./video-question";

/** Tasks' limit for one attempt, above the answer's own total time; see `run-job.ts`. */
const TIMEOUT_MS = 2 * 3600_000;

export const generate = oneStep(
  "generate",
  TIMEOUT_MS,
  (job) => job.state === "generating" && answeredInOneCall(job) && job.input.priority !== "batch",
  answer
);

async function answer(run: StageRun): Promise<void> {
  const answer = await askWithCache(run, () =>
    run.retrying("Asking Gemini", () => {
      run.signal.throwIfAborted();
      // A restart or a retry cannot continue a half-streamed answer: start it afresh.
      if (run.job.state === "generating" && run.job.text) run.update({ text: "", message: "restarting the answer" });
      return askGeminiAboutVideo(run.ai, videoQuestion(run.job), {
        signal: run.signal,
        onText: (text) => {
          run.signal.throwIfAborted();
          run.update({ text, message: `generating: ${text.length.toLocaleString("en-US")} characters` });
        }
      });
    })
  );
  // A stream cut short by the abort can end without an error: never call that done.
  run.signal.throwIfAborted();
  finishAnswer(run, answer);
}

/** Checks the answer against the format asked for, and ends the job done with it. */
export function finishAnswer(run: StageRun, answer: VideoAnswer): void {
  const { input } = run.job;
  if (answer.finishReason === "MAX_TOKENS" && input.format && input.format !== "text") {
    throw new NoAnswerError(describeFinishReason(answer.finishReason, input.maxOutputTokens));
  }
  checkAnswer(input.format, answer.text);
  run.update(
    { state: "done", text: answer.text, usage: answer.usage ?? null, message: "done" },
    {
      ...(answer.finishReason ? { finishReason: answer.finishReason } : {}),
      ...costAfter(input.model, answer.usage, run.context.cost, { batch: input.priority === "batch" })
    }
  );
}
