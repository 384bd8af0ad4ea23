/**
 * One answer from a long video's segment answers, by format:
 *
 * - a transcript is stitched here (`merge-transcript.ts`): no call;
 * - chapters are stitched with absolute times, then a final text-only call
 *   writes one title, summary and list from them; its answer is kept when
 *   its chapters lie inside the video in order, the stitched list otherwise;
 * - a free answer: each segment's, times made absolute, handed to a final
 *   text-only call that writes one answer and keeps the times.
 * @module
 */
import { chaptersSchema, parseStructuredAnswer, responseJsonSchema, type Chapters } from "../../analysis/formats";
import { chaptersHoldTogether, stitchChapters } from "../../analysis/merge-chapters";
import { mergeTranscripts } from "../../analysis/merge-transcript";
import type { SegmentWindow } from "../../analysis/segment-plan";
import { absoluteTextTimes } from "../../analysis/segment-times";
import { askGeminiText } from "../../gemini/text-question";
import type { TokenUsage } from "../../gemini/usage";
import { formatClock } from "../../video/offset";
import type { StageRun } from "./stage";

/** One answered window of the video. */
export interface AnsweredPiece {
  window: SegmentWindow;
  text: string;
  usage: TokenUsage | null;
}

export interface MergedAnswer {
  text: string;
  usage: TokenUsage | null;
}

/** Usage of several calls added up; null when none reported any. */
export function sumUsage(usages: readonly (TokenUsage | null | undefined)[]): TokenUsage | null {
  const known = usages.filter((usage) => usage !== null && usage !== undefined);
  if (known.length === 0) return null;
  const sum = (field: "inputTokens" | "cachedInputTokens" | "outputTokens" | "thinkingTokens" | "totalTokens") =>
    known.reduce((total, usage) => total + usage[field], 0);
  const inputByModality: NonNullable<TokenUsage["inputByModality"]> = {};
  for (const usage of known) {
    // SAFETY: `Object.entries` loses the key type; the entries come from a value of the same type.
    for (const [modality, tokens] of Object.entries(usage.inputByModality ?? {}) as [keyof typeof inputByModality, number][]) {
      inputByModality[modality] = (inputByModality[modality] ?? 0) + tokens;
    }
  }
  return {
    inputTokens: sum("inputTokens"),
    cachedInputTokens: sum("cachedInputTokens"),
    outputTokens: sum("outputTokens"),
    thinkingTokens: sum("thinkingTokens"),
    totalTokens: sum("totalTokens"),
    ...(Object.keys(inputByModality).length > 0 ? { inputByModality } : {})
  };
}

/** The video's end: its length, or, when only estimated (a YouTube link), no bound. */
const videoEndOf = (run: StageRun, pieces: readonly AnsweredPiece[]) =>
  run.job.details.durationSeconds ??
  (run.job.details.plan?.lengthEstimated ? Number.POSITIVE_INFINITY : Math.max(...pieces.map((piece) => piece.window.end)));

export async function mergeSegments(run: StageRun, pieces: readonly AnsweredPiece[]): Promise<MergedAnswer> {
  const videoEnd = videoEndOf(run, pieces);
  const format = run.job.input.format ?? "text";
  if (format === "transcript") {
    const transcript = mergeTranscripts(
      pieces.map((piece) => ({ window: piece.window, transcript: parseStructuredAnswer("transcript", piece.text) })),
      videoEnd
    );
    return { text: JSON.stringify(transcript), usage: null };
  }
  if (format === "chapters") return mergeChapters(run, pieces, videoEnd);
  return mergeAnswers(run, pieces, videoEnd);
}

async function mergeChapters(run: StageRun, pieces: readonly AnsweredPiece[], videoEnd: number): Promise<MergedAnswer> {
  const stitched = stitchChapters(
    pieces.map((piece) => ({ window: piece.window, chapters: parseStructuredAnswer("chapters", piece.text) })),
    videoEnd
  );
  const prompt = [
    `Below are the chapters and summaries of the ${pieces.length} consecutive parts of one ${formatClock(videoEnd)} video, as JSON, with times from the start of the video.`,
    "Write one title and one summary for the whole video, and one list of chapters covering it in order: join chapters that continue across parts, keep the times as given, and keep every time between 00:00 and the video's end.",
    `The question asked of the video was: ${run.job.input.prompt}`,
    JSON.stringify(stitched)
  ].join("\n\n");
  const answer = await run.retrying("Merging the segments", () =>
    // SAFETY: chapters is a structured format, which always has a schema.
    askGeminiText(run.ai, { model: run.job.input.model, prompt, responseJsonSchema: responseJsonSchema("chapters")! }, run.signal)
  );
  const merged = chaptersSchema.safeParse(safeJson(answer.text));
  const chapters: Chapters = merged.success && chaptersHoldTogether(merged.data, videoEnd) ? merged.data : stitched;
  return { text: JSON.stringify(chapters), usage: answer.usage ?? null };
}

async function mergeAnswers(run: StageRun, pieces: readonly AnsweredPiece[], videoEnd: number): Promise<MergedAnswer> {
  const parts = pieces.map(
    (piece, index) =>
      `Part ${index + 1} (${formatClock(piece.window.boundary)} to ${formatClock(piece.window.end)}):\n${absoluteTextTimes(piece.text, piece.window, videoEnd)}`
  );
  const prompt = [
    `A ${formatClock(videoEnd)} video was watched in ${pieces.length} consecutive parts, and each part answered the question below for itself, with times from the start of the video.`,
    "Write one answer to the question for the whole video from these answers. Keep the times they cite, as they are.",
    `Question: ${run.job.input.prompt}`,
    ...parts
  ].join("\n\n");
  const answer = await run.retrying("Merging the segments", () =>
    askGeminiText(run.ai, { model: run.job.input.model, prompt }, run.signal)
  );
  return { text: answer.text, usage: answer.usage ?? null };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
