/**
 * How many input tokens a video costs, before asking: Gemini's published
 * rates (ai.google.dev, "Video understanding" and "Media resolution"): each
 * sampled frame costs 258 tokens at the default or medium resolution and 66
 * at low, and the audio track 32 tokens a second.
 * @module
 */
import type { MediaResolution } from "../jobs/job";

const TOKENS_PER_FRAME: Record<MediaResolution, number> = { low: 66, medium: 258, high: 258 };
const DEFAULT_TOKENS_PER_FRAME = 258;
const AUDIO_TOKENS_PER_SECOND = 32;
export const DEFAULT_FPS = 1;
/** A rough count for text: about four characters a token. */
const CHARACTERS_PER_TOKEN = 4;

export interface VideoCostInput {
  durationSeconds: number;
  startSeconds?: number | undefined;
  endSeconds?: number | undefined;
  fps?: number | undefined;
  mediaResolution?: MediaResolution | undefined;
}

/** The seconds Gemini will watch: the clip, within the video. */
export function watchedSeconds({ durationSeconds, startSeconds, endSeconds }: VideoCostInput): number {
  const start = Math.min(startSeconds ?? 0, durationSeconds);
  const end = Math.min(endSeconds ?? durationSeconds, durationSeconds);
  return Math.max(end - start, 0);
}

export function estimateVideoTokens(input: VideoCostInput): number {
  const seconds = watchedSeconds(input);
  const perFrame = input.mediaResolution ? TOKENS_PER_FRAME[input.mediaResolution] : DEFAULT_TOKENS_PER_FRAME;
  const frames = Math.ceil(seconds * (input.fps ?? DEFAULT_FPS));
  return frames * perFrame + Math.ceil(seconds) * AUDIO_TOKENS_PER_SECOND;
}

export function estimateTextTokens(text: string): number {
  return Math.ceil(text.length / CHARACTERS_PER_TOKEN);
}

/**
 * What would fit within `limit` tokens, for the refusal's suggestion: the
 * same request at low resolution, and the longest clip at the requested
 * settings.
 */
export function fittingAlternatives(input: VideoCostInput, limit: number): { lowResolutionTokens: number; maxClipSeconds: number } {
  const perSecond = estimateVideoTokens({ ...input, durationSeconds: 1, startSeconds: 0, endSeconds: 1 });
  return {
    lowResolutionTokens: estimateVideoTokens({ ...input, mediaResolution: "low" }),
    maxClipSeconds: Math.max(Math.floor(limit / perSecond), 0)
  };
}
