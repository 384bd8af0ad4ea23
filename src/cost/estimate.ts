/**
 * Tokens into money at a model's prices: what a call cost from the usage
 * Gemini reported (cached input at its price, thinking as output, the audio
 * track at its own rate where it has one, the long-context tier when the
 * prompt is above it), and what a call is expected to cost before it runs.
 * @module
 */
import type { ModelPrice } from "./prices";

/** The counts a call is billed by (our `TokenUsage` has them all). */
export interface BilledTokens {
  /** The whole prompt, cached part included. */
  inputTokens: number;
  /** The part of `inputTokens` read from a cache. */
  cachedInputTokens?: number;
  /** The part of `inputTokens` that is audio, when known. */
  audioInputTokens?: number;
  outputTokens: number;
  /** Billed as output. */
  thinkingTokens?: number;
}

export interface CostOptions {
  /** Through the Batch API, at its discount. */
  batch?: boolean;
}

/**
 * The answer and thinking expected when the call sets no `maxOutputTokens`:
 * a long summary or an hour's transcript with Gemini 3's default thinking.
 * An estimate is only that; the cost after comes from Gemini's count.
 */
export const EXPECTED_OUTPUT_TOKENS = 8_192;

const PER_MILLION = 1_000_000;

/** US dollars, as Gemini would bill `tokens` at `price`. */
export function costOf(tokens: BilledTokens, price: ModelPrice, { batch = false }: CostOptions = {}): number {
  const tier = price.longContext && tokens.inputTokens > price.longContext.aboveTokens ? price.longContext : price;
  const cached = Math.min(tokens.cachedInputTokens ?? 0, tokens.inputTokens);
  const uncached = tokens.inputTokens - cached;
  const audio = tier.audioInputPerMillion === undefined ? 0 : Math.min(tokens.audioInputTokens ?? 0, uncached);
  const usd =
    ((uncached - audio) * tier.inputPerMillion +
      audio * (tier.audioInputPerMillion ?? 0) +
      cached * tier.cachedInputPerMillion +
      (tokens.outputTokens + (tokens.thinkingTokens ?? 0)) * tier.outputPerMillion) /
    PER_MILLION;
  return batch ? usd * (1 - price.batchDiscount) : usd;
}

/** What a call cost from the usage Gemini reported (our `TokenUsage`). */
export function costOfUsage(
  usage: Omit<BilledTokens, "audioInputTokens"> & { inputByModality?: { audio?: number } },
  price: ModelPrice,
  options: CostOptions = {}
): number {
  return costOf({ ...usage, audioInputTokens: usage.inputByModality?.audio ?? 0 }, price, options);
}

export interface CallEstimate {
  /** Counted (or estimated) input tokens of the request. */
  inputTokens: number;
  /** The part of them that is the audio track, when the video's length is known. */
  audioInputTokens?: number;
  /** The part of them a context cache will serve (the video of a question asked with one). */
  cachedInputTokens?: number;
  /** The call's `maxOutputTokens`, the most it may answer. */
  maxOutputTokens?: number | undefined;
}

/** The output tokens an estimate counts: the call's limit, or `EXPECTED_OUTPUT_TOKENS`. */
export function expectedOutputTokens(maxOutputTokens: number | undefined): number {
  return maxOutputTokens ?? EXPECTED_OUTPUT_TOKENS;
}

/** What a call is expected to cost before it runs: its input, and an answer as long as `expectedOutputTokens`. */
export function estimateCallCost(call: CallEstimate, price: ModelPrice, options: CostOptions = {}): number {
  return costOf(
    {
      inputTokens: call.inputTokens,
      ...(call.audioInputTokens !== undefined ? { audioInputTokens: call.audioInputTokens } : {}),
      ...(call.cachedInputTokens !== undefined ? { cachedInputTokens: call.cachedInputTokens } : {}),
      outputTokens: expectedOutputTokens(call.maxOutputTokens)
    },
    price,
    options
  );
}

/** Dollars for people: to the cent from a cent up, to two significant figures below (an analysis may cost $0.0021). */
export function formatUsd(usd: number): string {
  if (usd === 0) return "$0.00";
  if (usd < 0.0001) return "under $0.0001";
  return usd >= 0.01 ? `$${usd.toFixed(2)}` : `$${Number(usd.toPrecision(2))}`;
}
