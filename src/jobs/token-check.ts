/**
 * The cost check before Gemini watches: Gemini's own count of the exact
 * request (`countTokens`), or, when it cannot count, an estimate at the
 * model family's published rates (for a video whose length is known), held
 * against the model's input limit. A request over it is refused before any
 * tokens are spent, saying what would fit for that model.
 * @module
 */
import { UserFacingError } from "../errors";
import type { GoogleGenAI } from "@google/genai";
import {
  estimateTextTokens,
  estimateVideoTokens,
  MODEL_FAMILY_NAMES,
  modelFamily,
  secondsForTokens,
  watchedSeconds,
  whatFits,
  type ModelFamily,
  type VideoCostInput
} from "../analysis/tokens";
import type { VideoQuestion } from "../gemini/analyze";
import { countQuestionTokens } from "../gemini/count-tokens";
import { describeGeminiError } from "../gemini/errors";
import { inputTokenLimit } from "../gemini/models";
import type { UploadTarget } from "../gemini/upload";
import { formatClock } from "../video/offset";
import type { AnalysisInput, JobDetails } from "./job";

/** Raised before asking when the video would not fit in the model's context. */
export class ContextLimitError extends UserFacingError {
  constructor(message: string) {
    super(message);
    this.name = "ContextLimitError";
  }
}

export interface TokenCheckRequest {
  input: AnalysisInput;
  /** The video's length, when Gemini has said (uploaded files). */
  durationSeconds: number | undefined;
  /** What will be sent to generate, exactly. */
  question: VideoQuestion;
}

export interface TokenCheck {
  /** What the job records of the check. */
  details: Pick<JobDetails, "estimatedTokens" | "countedTokens" | "tokenCountSource" | "tokenCountError" | "inputTokenLimit">;
  /** Progress for the start of generation, saying the figure and where it came from. */
  message: string;
  /** Set when the request does not fit: why, and what would. */
  refusal?: string;
}

const count = (n: number) => n.toLocaleString("en-US");

async function countOrWhyNot(
  target: UploadTarget,
  question: VideoQuestion,
  signal: AbortSignal
): Promise<{ tokens: number } | { error: string }> {
  try {
    return { tokens: await countQuestionTokens(target, question, signal) };
  } catch (error) {
    return { error: describeGeminiError(error) };
  }
}

/** Counts (or estimates) the request's input tokens and holds them against the model's limit. */
export async function checkInputTokens(
  { input, durationSeconds, question }: TokenCheckRequest,
  gemini: { ai: GoogleGenAI; target: UploadTarget; signal: AbortSignal }
): Promise<TokenCheck> {
  const family = modelFamily(input.model);
  const promptTokens = estimateTextTokens(input.prompt);
  const estimated =
    durationSeconds === undefined ? undefined : estimateVideoTokens({ ...input, durationSeconds }, family) + promptTokens;
  const [limit, counted] = await Promise.all([
    inputTokenLimit(gemini.ai, input.model),
    countOrWhyNot(gemini.target, question, gemini.signal)
  ]);
  gemini.signal.throwIfAborted();
  const isCounted = "tokens" in counted;
  const tokens = isCounted ? counted.tokens : estimated;
  const details: TokenCheck["details"] = {
    ...(estimated !== undefined ? { estimatedTokens: estimated } : {}),
    ...(isCounted ? { countedTokens: counted.tokens } : { tokenCountError: counted.error }),
    ...(tokens !== undefined ? { tokenCountSource: isCounted ? "countTokens" : "estimate" } : {}),
    ...(limit !== undefined ? { inputTokenLimit: limit } : {})
  };
  const message = isCounted
    ? `Gemini is watching the video (${count(counted.tokens)} input tokens, counted by Gemini)`
    : tokens !== undefined
      ? `Gemini is watching the video (about ${count(tokens)} input tokens at ${MODEL_FAMILY_NAMES[family]} rates; Gemini could not count them)`
      : "Gemini is watching the video (its input tokens could not be counted)";
  if (tokens === undefined || limit === undefined || tokens <= limit) return { details, message };
  return { details, message, refusal: refusal({ input, durationSeconds, tokens, isCounted, promptTokens, limit, family }) };
}

function refusal(over: {
  input: AnalysisInput;
  durationSeconds: number | undefined;
  tokens: number;
  /** True for Gemini's count, false for the estimate. */
  isCounted: boolean;
  promptTokens: number;
  limit: number;
  family: ModelFamily;
}): string {
  const { input, tokens, isCounted, family } = over;
  const { options, what } = waysToFit({ ...over, budgetTokens: over.limit });
  const settings = `${input.fps ?? 1} fps and ${input.mediaResolution ?? "default"} resolution`;
  const advice = options.length > 0 ? `It would fit with ${options.join("; or ")}.` : "Try a model with a larger input limit.";
  const needs = isCounted
    ? `${count(tokens)} input tokens (Gemini's count)`
    : `about ${count(tokens)} input tokens (at ${MODEL_FAMILY_NAMES[family]} rates)`;
  return `${what} needs ${needs} at ${settings}, more than the ${count(over.limit)} that ${input.model} accepts. ${advice}`;
}

/**
 * Ways to watch less whose input is within `budgetTokens` (the prompt
 * included), each in words with what it costs in tokens; and the video in
 * words ("This 1:02:00 video"). For the input limit and for a cost cap alike.
 */
export function waysToFit(over: {
  input: AnalysisInput;
  durationSeconds: number | undefined;
  /** The request's input tokens, counted or estimated. */
  tokens: number;
  promptTokens: number;
  family: ModelFamily;
  budgetTokens: number;
  /** What an option's input costs, in words: "about 58,801 tokens" unless the caller counts in money. */
  costOf?: (tokens: number) => string;
}): { options: string[]; what: string } {
  const { input, durationSeconds, tokens, promptTokens, family, budgetTokens } = over;
  const costOf = over.costOf ?? ((inputTokens: number) => `about ${count(inputTokens)} tokens`);
  // Unknown length (a YouTube link): the length these tokens buy at these settings.
  const video: VideoCostInput =
    durationSeconds !== undefined
      ? { ...input, durationSeconds }
      : {
          ...input,
          durationSeconds: Math.round(secondsForTokens(tokens - promptTokens, input, family)),
          startSeconds: 0,
          endSeconds: undefined
        };
  // The rates scaled to what Gemini counted, so the alternatives are in its terms.
  const tableTokens = estimateVideoTokens(video, family) + promptTokens;
  const scale = tableTokens > 0 ? tokens / tableTokens : 1;
  const fits = whatFits(video, family, budgetTokens / scale - promptTokens);
  const options = [
    fits.lowResolution?.fits
      ? `mediaResolution "low" (${costOf(Math.round(fits.lowResolution.tokens * scale + promptTokens))})`
      : undefined,
    fits.lowResolution && !fits.lowResolution.fits && fits.lowResolution.maxFps !== undefined
      ? `mediaResolution "low" with fps ${fits.lowResolution.maxFps} or lower`
      : undefined,
    fits.maxFps !== undefined ? `fps ${fits.maxFps} or lower` : undefined,
    fits.maxClipSeconds >= 1 ? `a clip of at most ${formatClock(fits.maxClipSeconds)} (startOffset/endOffset)` : undefined
  ].filter((option) => option !== undefined);
  const watched = watchedSeconds(video);
  const what =
    durationSeconds === undefined
      ? "This video"
      : watched < durationSeconds
        ? `This ${formatClock(watched)} clip of a ${formatClock(durationSeconds)} video`
        : `This ${formatClock(durationSeconds)} video`;
  return { options, what };
}
