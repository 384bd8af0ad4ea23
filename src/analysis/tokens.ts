/**
 * What a video costs in input tokens by Gemini's published rates
 * (ai.google.dev, "Media resolution" and "Video understanding"), per model
 * family: a sampled frame costs 70 tokens on Gemini 3 models at low, medium
 * or default resolution and 280 at high; 258 on Gemini 2.5 and older (66 at
 * low); the audio track 32 tokens a second on both. Gemini's `countTokens` is
 * the measure; this table is the fallback when it cannot count, and the
 * arithmetic for what would fit under a model's input limit.
 * @module
 */
import type { MediaResolution } from "./video-options";

export type ModelFamily = "gemini-3" | "gemini-2.5";

export const MODEL_FAMILY_NAMES: Record<ModelFamily, string> = { "gemini-3": "Gemini 3", "gemini-2.5": "Gemini 2.5" };

const TOKENS_PER_FRAME: Record<ModelFamily, Record<MediaResolution | "default", number>> = {
  "gemini-3": { default: 70, low: 70, medium: 70, high: 280 },
  "gemini-2.5": { default: 258, low: 66, medium: 258, high: 258 }
};
const AUDIO_TOKENS_PER_SECOND = 32;
export const DEFAULT_FPS = 1;
/** The smallest fps worth suggesting, and the step suggestions are rounded down to. */
const FPS_STEP = 0.01;
/** A rough count for text: about four characters a token. */
const CHARACTERS_PER_TOKEN = 4;

/**
 * The family whose rates a model has: Gemini 3 and newer by name, and the
 * `-latest` aliases (`gemini-flash-latest`...), which point at Gemini 3
 * models; anything else is counted as Gemini 2.5.
 */
export function modelFamily(model: string): ModelFamily {
  return /^gemini-([3-9]|\d{2,})\b/.test(model) || /-latest$/.test(model) ? "gemini-3" : "gemini-2.5";
}

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

function tokensPerFrame(family: ModelFamily, resolution: MediaResolution | undefined): number {
  return TOKENS_PER_FRAME[family][resolution ?? "default"];
}

function videoTokens(seconds: number, fps: number, perFrame: number): number {
  return Math.ceil(seconds * fps) * perFrame + Math.ceil(seconds) * AUDIO_TOKENS_PER_SECOND;
}

export function estimateVideoTokens(input: VideoCostInput, family: ModelFamily): number {
  return videoTokens(watchedSeconds(input), input.fps ?? DEFAULT_FPS, tokensPerFrame(family, input.mediaResolution));
}

/** The audio track's tokens of the clip watched (billed at an audio rate by some models). */
export function estimateAudioTokens(input: VideoCostInput): number {
  return Math.ceil(watchedSeconds(input)) * AUDIO_TOKENS_PER_SECOND;
}

export function estimateTextTokens(text: string): number {
  return Math.ceil(text.length / CHARACTERS_PER_TOKEN);
}

/** How many seconds of video `tokens` buy at these settings: a length for a video whose duration is unknown. */
export function secondsForTokens(tokens: number, settings: Omit<VideoCostInput, "durationSeconds">, family: ModelFamily): number {
  const perSecond = (settings.fps ?? DEFAULT_FPS) * tokensPerFrame(family, settings.mediaResolution) + AUDIO_TOKENS_PER_SECOND;
  return Math.max(tokens, 0) / perSecond;
}

/** Ways to watch less that fit a budget of video tokens; each is left out when it cannot fit or would not help. */
export interface FittingOptions {
  /** The longest clip, in whole seconds, at the requested fps and resolution. */
  maxClipSeconds: number;
  /** The highest fps (rounded down to 0.01) for the whole clip at the requested resolution. */
  maxFps?: number;
  /** Low resolution, when it costs less a frame than the requested one: its cost at the requested fps, or the fps it needs. */
  lowResolution?: { tokens: number; fits: true } | { fits: false; maxFps?: number };
}

function maxFpsWithin(budget: number, seconds: number, perFrame: number): number | undefined {
  const frames = Math.floor((budget - Math.ceil(seconds) * AUDIO_TOKENS_PER_SECOND) / perFrame);
  const fps = Math.floor(frames / seconds / FPS_STEP) * FPS_STEP;
  return seconds > 0 && fps >= FPS_STEP ? Number(fps.toFixed(2)) : undefined;
}

/** What of `input` would fit in `budget` video tokens for `family`. */
export function whatFits(input: VideoCostInput, family: ModelFamily, budget: number): FittingOptions {
  const seconds = watchedSeconds(input);
  const fps = input.fps ?? DEFAULT_FPS;
  const perFrame = tokensPerFrame(family, input.mediaResolution);
  const perSecond = fps * perFrame + AUDIO_TOKENS_PER_SECOND;
  const options: FittingOptions = { maxClipSeconds: Math.max(Math.floor(budget / perSecond), 0) };
  const maxFps = maxFpsWithin(budget, seconds, perFrame);
  if (maxFps !== undefined && maxFps < fps) options.maxFps = maxFps;
  const lowPerFrame = tokensPerFrame(family, "low");
  if (lowPerFrame < perFrame) {
    const tokens = videoTokens(seconds, fps, lowPerFrame);
    const lowMaxFps = maxFpsWithin(budget, seconds, lowPerFrame);
    options.lowResolution =
      tokens <= budget ? { tokens, fits: true } : { fits: false, ...(lowMaxFps !== undefined ? { maxFps: lowMaxFps } : {}) };
  }
  return options;
}
