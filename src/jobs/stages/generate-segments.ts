/**
 * `segment:N` and `merge`: a long video's segments (`details.plan`) asked
 * side by side, at most `SEGMENT_CONCURRENCY` at once, then merged into one
 * answer (`merge-segments.ts`).
 *
 * Each segment is a journaled step of its own, so a restart asks again only
 * for the segments that had not finished; a failing call is retried inside
 * its step (`RetryInfo` on 429s, as for any call). A segment whose answer
 * still stops at the output limit is cut in two (`segment:Na`, `segment:Nb`,
 * down to `MAX_SPLIT_DEPTH`), each half its own step; past that, or when a
 * segment fails for good, the job fails saying which part of the video could
 * not be done.
 * @module
 */
import type { TaskJson } from "agents/tasks";
import { checkAnswer } from "../../analysis/formats";
import { halves, MAX_SPLIT_DEPTH, type SegmentPlan, type SegmentWindow } from "../../analysis/segment-plan";
import { UserFacingError } from "../../errors";
import { askGeminiAboutVideo } from "../../gemini/analyze";
import { describeGeminiError } from "../../gemini/errors";
import { withRetry } from "../../gemini/retry";
import type { TokenUsage } from "../../gemini/usage";
import { formatClock } from "../../video/offset";
import { DEFAULT_SEGMENT_CONCURRENCY } from "../../config";
import { costOfCalls } from "../cost-check";
import type { Job } from "../job";
import { segmentMessage } from "../segment-progress";
import { mergeSegments, sumUsage, type AnsweredPiece } from "./merge-segments";
import type { Stage, StageRun } from "./stage";
import { videoQuestion } from "./video-question";

/** Tasks' limit for one attempt of a segment, above the answer's own total time; see `run-job.ts`. */
const SEGMENT_TIMEOUT_MS = 2 * 3600_000;
const MERGE_TIMEOUT_MS = 30 * 60_000;

/** Raised when a part of the video could not be answered: the job fails with it. */
export class SegmentError extends UserFacingError {
  constructor(message: string) {
    super(message);
    this.name = "SegmentError";
  }
}

/** What a segment's step journals: its answer, or why it could not be had. */
type StepOutcome = { text: string; finishReason: string | null; usage: TokenUsage | null } | { failed: string };
type WindowOutcome = { pieces: AnsweredPiece[] } | { failed: string };

const isSegmented = (job: Job) => (job.details.plan?.segments.length ?? 0) > 1;

/** True for a job the single-call `generate` stage answers. */
export const answeredInOneCall = (job: Job) => !isSegmented(job);

export const generateSegments: Stage = {
  steps: ["segment:N", "merge"],
  applies: (job) => job.state === "generating" && isSegmented(job),
  async run(run) {
    // SAFETY: `applies` saw a plan of several segments, and a plan is never removed.
    const plan = run.job.details.plan!;
    const concurrency = run.context.gemini.segmentConcurrency ?? DEFAULT_SEGMENT_CONCURRENCY;
    const outcomes: WindowOutcome[] = [];
    let next = 0;
    const worker = async () => {
      while (next < plan.segments.length) {
        const index = next++;
        // SAFETY: `index` is below the count of segments.
        const outcome = await answerWindow(run, plan, index, plan.segments[index]!, String(index), 0);
        outcomes[index] = outcome;
        settle(run, plan, index);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, plan.segments.length) }, worker));
    const failure = outcomes.find((outcome) => "failed" in outcome);
    await run.step("merge", MERGE_TIMEOUT_MS, async () => {
      if (failure && "failed" in failure) throw new SegmentError(failure.failed);
      const pieces = outcomes.flatMap((outcome) => ("pieces" in outcome ? outcome.pieces : []));
      run.update({ message: `merging ${plan.segments.length} segments` });
      const merged = await mergeSegments(run, pieces);
      const usages = [...pieces.map((piece) => piece.usage), merged.usage];
      run.update(
        { state: "done", text: merged.text, usage: sumUsage(usages), message: "done" },
        {
          finishReason: "STOP",
          segmentProgress: { done: plan.segments.map((_window, index) => index), running: [] },
          ...costOfCalls(run.job.input.model, usages, run.context.cost)
        }
      );
    });
  }
};

const clip = (window: SegmentWindow) => `${formatClock(window.boundary)}–${formatClock(window.end)}`;

/** A window's answer, cut in two and asked again while it stops at the output limit. */
async function answerWindow(
  run: StageRun,
  plan: SegmentPlan,
  index: number,
  window: SegmentWindow,
  id: string,
  depth: number
): Promise<WindowOutcome> {
  // SAFETY: the step's value is what `askSegment` returned (now or, replayed, from the journal): a StepOutcome.
  const step = (await run.task.do(`segment:${id}`, { timeout: SEGMENT_TIMEOUT_MS, retries: { limit: 1 } }, ({ signal }) =>
    askSegment(run, plan, index, window, signal)
  )) as StepOutcome;
  if ("failed" in step) return step;
  if (step.finishReason !== "MAX_TOKENS") {
    return { pieces: [{ window, text: step.text, usage: step.usage }] };
  }
  if (depth >= MAX_SPLIT_DEPTH) {
    return {
      failed: `The part ${clip(window)} of the video still ran past Gemini's output limit after being cut in ${2 ** depth} pieces. Ask about it with a shorter clip (startOffset/endOffset) or a higher maxOutputTokens.`
    };
  }
  const [first, second] = halves(window);
  const before = await answerWindow(run, plan, index, first, `${id}a`, depth + 1);
  if ("failed" in before) return before;
  const after = await answerWindow(run, plan, index, second, `${id}b`, depth + 1);
  if ("failed" in after) return after;
  return { pieces: [...before.pieces, ...after.pieces] };
}

/** One call about one window, inside its step: its answer, or (not aborted) why it failed for good. */
async function askSegment(
  run: StageRun,
  plan: SegmentPlan,
  index: number,
  window: SegmentWindow,
  signal: AbortSignal
): Promise<TaskJson> {
  const count = plan.segments.length;
  try {
    running(run, plan, index, 0);
    const answer = await withRetry(
      () => {
        signal.throwIfAborted();
        return askGeminiAboutVideo(run.ai, videoQuestion(run.job, window), {
          signal,
          onText: (text) => {
            signal.throwIfAborted();
            running(run, plan, index, text.length);
          }
        });
      },
      {
        sleep: (ms, sleepSignal) => run.context.sleep(ms, sleepSignal),
        signal,
        onRetry: ({ attempt, delayMs, error }) =>
          void run.update({
            message: `segment ${index + 1} of ${count}: ${describeGeminiError(error)} Retrying in ${Math.ceil(delayMs / 1000)} s (attempt ${attempt + 1}).`
          })
      }
    );
    signal.throwIfAborted();
    if (answer.finishReason !== "MAX_TOKENS") checkAnswer(run.job.input.format, answer.text);
    // SAFETY: TokenUsage holds numbers alone, which the journal stores as JSON.
    return { text: answer.text, finishReason: answer.finishReason ?? null, usage: (answer.usage ?? null) as TaskJson };
  } catch (error) {
    if (signal.aborted) throw error;
    return { failed: `Segment ${index + 1} of ${count} (${clip(window)}) could not be done: ${describeGeminiError(error)}` };
  }
}

/** Records segment `index` as streaming `characters` so far. */
function running(run: StageRun, plan: SegmentPlan, index: number, characters: number): void {
  const progress = run.job.details.segmentProgress ?? { done: [], running: [] };
  const others = progress.running.filter((segment) => segment.index !== index);
  const segmentProgress = { done: progress.done, running: [...others, { index, characters }] };
  run.update({ message: segmentMessage(plan, segmentProgress) }, { segmentProgress });
}

/** Records segment `index` as answered. */
function settle(run: StageRun, plan: SegmentPlan, index: number): void {
  const progress = run.job.details.segmentProgress ?? { done: [], running: [] };
  const segmentProgress = {
    done: [...new Set([...progress.done, index])],
    running: progress.running.filter((segment) => segment.index !== index)
  };
  run.update({ message: segmentMessage(plan, segmentProgress) }, { segmentProgress });
}
