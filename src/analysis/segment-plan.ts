/**
 * How a long video is cut into segments: windows (`videoMetadata`
 * `startOffset`/`endOffset`) on the one file, each small enough that its
 * input sits well inside the model's context and its expected answer well
 * inside the model's output limit, with a small overlap before each
 * boundary so a line said across it is heard whole and its speaker can be
 * matched. A video short enough for one call is one segment: asked exactly
 * as before.
 *
 * ## Sizing
 *
 * - input: the video's tokens a second at the request's fps and resolution
 *   (`tokens.ts`), kept under `INPUT_SHARE` of `inputTokenLimit` once a video
 *   is cut (one whose whole input is within `FITS_INPUT_SHARE` is not cut for
 *   its input: one call holds it, as before);
 * - output: the expected answer a second (`OUTPUT_TOKENS_PER_SECOND`; for a
 *   transcript, speech at about 150 words a minute is 3.3 tokens a second,
 *   plus the JSON around each line), under `OUTPUT_SHARE` of the model's
 *   output limit (a caller's `maxOutputTokens` caps each answer, as in one
 *   call, and does not make more segments);
 * - wall time: a long answer (over `SPLIT_FOR_SPEED_OUTPUT_TOKENS` expected,
 *   about 40 s of generation; a transcript of some 27 minutes) of a video
 *   longer than `SPLIT_ABOVE_SECONDS` is cut into at least as many segments
 *   as run at once. A short answer about a long video (a summary) is one call
 *   when it fits: its time is mostly reading the video, and a cut would add a
 *   merging call. The count is rounded up to a multiple of the concurrency,
 *   so every round of segments is full.
 * @module
 */
import type { AnswerFormat } from "./video-options";
import { estimateVideoTokens, type ModelFamily, type VideoCostInput } from "./tokens";

/** Seconds each segment after the first starts before its boundary. */
export const SEGMENT_OVERLAP_SECONDS = 10;
/** Shares of the model's limits one segment may plan to use: room for miscounts and talkative answers. */
export const INPUT_SHARE = 0.5;
export const OUTPUT_SHARE = 0.5;
/** A whole video whose input is within this share of the context is not cut for its input alone: it fits one call, as before. */
export const FITS_INPUT_SHARE = 0.9;
/** Videos (or clips) up to this long are never cut for speed alone. */
export const SPLIT_ABOVE_SECONDS = 30 * 60;
/** Expected answers longer than this (about 40 s of generation at 200 tokens a second) are cut for speed. */
export const SPLIT_FOR_SPEED_OUTPUT_TOKENS = 8_000;
/** No segment shorter than this is planned, whatever the limits say. */
export const MIN_SEGMENT_SECONDS = 60;
/** Output tokens an answer takes per second of video, by format (see the module comment). */
export const OUTPUT_TOKENS_PER_SECOND: Record<AnswerFormat, number> = { transcript: 5, chapters: 0.5, text: 0.5 };
/** The output limit assumed when Gemini did not say (Gemini 2.5 and 3 Flash and Pro say 65,536). */
export const DEFAULT_OUTPUT_TOKEN_LIMIT = 65_536;
/** How often a segment that still ends at the output limit is cut in two before the job gives up. */
export const MAX_SPLIT_DEPTH = 3;

/** One window of the video, in seconds from its start. */
export interface SegmentWindow {
  /** Where the request starts: `boundary`, less the overlap after the first segment. */
  start: number;
  /** Where this segment's own part starts: lines before it belong to the segment before. */
  boundary: number;
  end: number;
}

/** The plan the job records, and shows in its result (see `toMetadata`). */
export interface SegmentPlan {
  segments: SegmentWindow[];
  /** Input tokens of all segments together (the overlaps included), at the published rates. */
  estimatedInputTokens: number;
  /** Output tokens expected of all segments together. */
  estimatedOutputTokens: number;
  /** Set when the video's length was worked out from Gemini's token count: the last segment then runs to the video's end. */
  lengthEstimated?: boolean;
}

export interface PlanRequest extends VideoCostInput {
  format: AnswerFormat;
  promptTokens: number;
  family: ModelFamily;
  inputTokenLimit: number | undefined;
  outputTokenLimit: number | undefined;
  concurrency: number;
}

const clipOf = (request: PlanRequest) => {
  const start = Math.min(request.startSeconds ?? 0, request.durationSeconds);
  const end = Math.min(request.endSeconds ?? request.durationSeconds, request.durationSeconds);
  return { start, end: Math.max(end, start) };
};

/** The input tokens of `seconds` of video at the request's settings. */
function inputTokensFor(request: PlanRequest, seconds: number): number {
  return estimateVideoTokens({ ...request, durationSeconds: seconds, startSeconds: 0, endSeconds: seconds }, request.family);
}

/** The most seconds one segment may hold by the model's limits. */
function longestSegmentSeconds(request: PlanRequest): number {
  const outputLimit = request.outputTokenLimit ?? DEFAULT_OUTPUT_TOKEN_LIMIT;
  const byOutput = (outputLimit * OUTPUT_SHARE) / OUTPUT_TOKENS_PER_SECOND[request.format];
  const byInput =
    request.inputTokenLimit === undefined
      ? Infinity
      : (request.inputTokenLimit * INPUT_SHARE - request.promptTokens) / (inputTokensFor(request, 3600) / 3600);
  return Math.max(MIN_SEGMENT_SECONDS, Math.min(byOutput, byInput));
}

/** The windows for `count` equal parts of [start, end). */
export function windowsOf(start: number, end: number, count: number): SegmentWindow[] {
  const length = (end - start) / count;
  return Array.from({ length: count }, (_, index) => {
    const boundary = start + index * length;
    return {
      start: index === 0 ? start : Math.max(start, boundary - SEGMENT_OVERLAP_SECONDS),
      boundary,
      end: index === count - 1 ? end : start + (index + 1) * length
    };
  });
}

/** The window cut in two at its middle, the second half overlapping the first as any segment does. */
export function halves(window: SegmentWindow): [SegmentWindow, SegmentWindow] {
  const middle = (window.boundary + window.end) / 2;
  return [
    { start: window.start, boundary: window.boundary, end: middle },
    { start: Math.max(window.start, middle - SEGMENT_OVERLAP_SECONDS), boundary: middle, end: window.end }
  ];
}

/** Decides whether and where to cut; one segment means "ask as today". */
export function planSegments(request: PlanRequest): SegmentPlan {
  const clip = clipOf(request);
  const watched = clip.end - clip.start;
  const byLimits = Math.ceil(watched / longestSegmentSeconds(request));
  const concurrency = Math.max(1, Math.floor(request.concurrency));
  const expectedOutput = watched * OUTPUT_TOKENS_PER_SECOND[request.format];
  const outputLimit = request.outputTokenLimit ?? DEFAULT_OUTPUT_TOKEN_LIMIT;
  const overInput =
    request.inputTokenLimit !== undefined &&
    inputTokensFor(request, watched) + request.promptTokens > request.inputTokenLimit * FITS_INPUT_SHARE;
  const overOutput = expectedOutput > outputLimit * OUTPUT_SHARE;
  const count =
    (watched > SPLIT_ABOVE_SECONDS && expectedOutput > SPLIT_FOR_SPEED_OUTPUT_TOKENS) || overInput || overOutput
      ? Math.max(1, Math.ceil(Math.max(byLimits, concurrency) / concurrency) * concurrency)
      : 1;
  const segments = windowsOf(clip.start, clip.end, Math.min(count, Math.max(1, Math.floor(watched / MIN_SEGMENT_SECONDS))));
  const seconds = segments.reduce((sum, window) => sum + (window.end - window.start), 0);
  return {
    segments,
    estimatedInputTokens: inputTokensFor(request, seconds) + segments.length * request.promptTokens,
    estimatedOutputTokens: Math.ceil(expectedOutput)
  };
}
