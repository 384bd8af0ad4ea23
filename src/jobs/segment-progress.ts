/**
 * Where a segmented analysis stands (`generate-segments.ts`): "segments 3, 4
 * of 8 generating, 2 done" in words, and the share of its generation done,
 * each segment weighted by its length and a running one by the characters it
 * has streamed against what its length should say.
 * @module
 */
import { OUTPUT_TOKENS_PER_SECOND, type SegmentPlan } from "../analysis/segment-plan";
import type { AnalysisInput, SegmentProgress } from "./job";

/** Characters a token of answer takes, roughly. */
const CHARACTERS_PER_TOKEN = 4;
/** A running segment never counts as more done than this until it is. */
const RUNNING_SHARE_CAP = 0.95;

/** "segment 3 of 8 generating, 2 done", or "segments 3, 4, 5 of 8 generating, 2 done". */
export function segmentMessage(plan: SegmentPlan, progress: SegmentProgress): string {
  const running = progress.running.map((segment) => segment.index + 1).sort((a, b) => a - b);
  const count = plan.segments.length;
  const done = `${progress.done.length} done`;
  if (running.length === 0) return `${progress.done.length} of ${count} segments done`;
  return `${running.length === 1 ? "segment" : "segments"} ${running.join(", ")} of ${count} generating, ${done}`;
}

/** The share (0–1) of the segments' generation done. */
export function segmentShare(plan: SegmentPlan, progress: SegmentProgress, input: Pick<AnalysisInput, "format">): number {
  const length = (index: number) => {
    const window = plan.segments[index];
    return window ? window.end - window.boundary : 0;
  };
  const total = plan.segments.reduce((sum, _window, index) => sum + length(index), 0);
  if (total <= 0) return 0;
  const perSecond = OUTPUT_TOKENS_PER_SECOND[input.format ?? "text"] * CHARACTERS_PER_TOKEN;
  const done = progress.done.reduce((sum, index) => sum + length(index), 0);
  const running = progress.running.reduce(
    (sum, { index, characters }) =>
      sum + length(index) * Math.min(RUNNING_SHARE_CAP, characters / (perSecond * length(index) || 1)),
    0
  );
  return Math.min(1, (done + running) / total);
}
