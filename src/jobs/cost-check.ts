/**
 * An analysis's cost in money, before and after, and the caps it is held
 * to: the caller's `maxCostUsd`, the deployment's MAX_COST_USD_PER_ANALYSIS
 * and what is left of MAX_COST_USD_PER_DAY today. An analysis whose
 * estimate is over a cap is refused before anything is generated, and
 * before anything is uploaded whenever the length watched is known by then
 * (a clip with an end) or today's cap is already spent; the refusal says
 * the estimate and what would fit.
 * @module
 */
import {
  estimateAudioTokens,
  estimateTextTokens,
  estimateVideoTokens,
  modelFamily,
  type VideoCostInput
} from "../analysis/tokens";
import { type CostOptions, costOfUsage, estimateCallCost, expectedOutputTokens, formatUsd } from "../cost/estimate";
import { type ModelPrice, priceFor } from "../cost/prices";
import { UserFacingError } from "../errors";
import { minCacheableTokens } from "../gemini/caches";
import type { TokenUsage } from "../gemini/usage";
import { formatClock } from "../video/offset";
import { type AnalysisInput, type JobDetails, wantsCache } from "./job";
import type { CostPolicy } from "./job-context";
import { waysToFit } from "./token-check";

/** An analysis refused because it would cost more than a cap allows. */
export class CostCapError extends UserFacingError {
  constructor(message: string) {
    super(message);
    this.name = "CostCapError";
  }
}

/** The model's prices, or why there are none. */
export function priceOf(model: string, cost: CostPolicy): { price: ModelPrice } | { note: string } {
  if ("error" in cost.prices) return { note: cost.prices.error };
  const price = priceFor(model, cost.prices);
  return price
    ? { price }
    : { note: `No price is known for ${model}; the server's owner may add it with GEMINI_PRICES (see README, "Cost").` };
}

interface Cap {
  usd: number;
  /** The cap in words: "maxCostUsd ($0.10)". */
  name: string;
  /** For the day's cap: what is spent and held, in words. */
  spent?: string;
}

/** The caps that hold for this analysis, the tightest first; a day already spent is a cap of 0. */
async function capsOf(jobId: string, input: AnalysisInput, cost: CostPolicy): Promise<Cap[]> {
  const caps: Cap[] = [];
  if (input.maxCostUsd !== undefined) caps.push({ usd: input.maxCostUsd, name: `maxCostUsd (${formatUsd(input.maxCostUsd)})` });
  if (cost.maxUsdPerAnalysis !== undefined) {
    caps.push({
      usd: cost.maxUsdPerAnalysis,
      name: `this server's MAX_COST_USD_PER_ANALYSIS (${formatUsd(cost.maxUsdPerAnalysis)})`
    });
  }
  if (cost.maxUsdPerDay !== undefined) {
    const spent = await cost.spentToday(jobId);
    const left = Math.max(cost.maxUsdPerDay - spent, 0);
    const day = `this server's MAX_COST_USD_PER_DAY (${formatUsd(cost.maxUsdPerDay)}; ${formatUsd(spent)} spent since 00:00 UTC or held by analyses running)`;
    caps.push({ usd: left, name: `the ${formatUsd(left)} left today of ${day}`, spent: day });
  }
  return caps.sort((a, b) => a.usd - b.usd);
}

export interface CostEstimateRequest {
  jobId: string;
  input: AnalysisInput;
  /** The video's length, when known. */
  durationSeconds: number | undefined;
  /** The request's input tokens: Gemini's count, or the table's estimate; undefined when neither could be had. */
  inputTokens: number | undefined;
  /** Whether `inputTokens` is Gemini's count. */
  isCounted: boolean;
  /** True once the video is uploaded (the refusal says what was not done). */
  uploaded: boolean;
  /** True when `durationSeconds` is only where the clip ends (before the upload, the video's length is unknown). */
  lengthIsClipEnd?: boolean;
  /**
   * A segmented video: the calls it is asked in and the output tokens they are
   * expected to answer in all; `inputTokens` is then the whole's, shared
   * evenly, and each call is priced alone.
   */
  segments?: { calls: number; outputTokens: number };
}

export interface CostCheck {
  details: Pick<JobDetails, "estimatedCostUsd" | "costNote">;
  /** "estimated cost $0.12", for the progress message; undefined without a price. */
  summary?: string;
  /** Set when a cap refuses it: the estimate, the cap, what would fit. */
  refusal?: string;
}

/**
 * What of the request a context cache will serve: its video (all but the
 * prompt) when it is asked with one (see `stages/use-cache.ts`) and is big
 * enough to be cached; the cache's storage is billed apart, by the hour.
 */
function cachedTokensOf(input: AnalysisInput, inputTokens: number): number | undefined {
  if (!wantsCache(input) || inputTokens < minCacheableTokens(input.model)) return undefined;
  return Math.max(inputTokens - estimateTextTokens(input.prompt), 0);
}

/** The estimate for a request whose input tokens are known, held against every cap. */
export async function checkCost(request: CostEstimateRequest, cost: CostPolicy): Promise<CostCheck> {
  const { input, durationSeconds, inputTokens } = request;
  const caps = await capsOf(request.jobId, input, cost);
  const priced = priceOf(input.model, cost);
  const nothingDone = request.uploaded ? "Nothing was generated" : "Nothing was uploaded or generated";
  if ("note" in priced) {
    const [cap] = caps;
    if (!cap) return { details: { costNote: priced.note } };
    return {
      details: { costNote: priced.note },
      refusal: `${priced.note} Its cost cannot be held to ${cap.name}, so it was refused. ${nothingDone}.`
    };
  }
  const { price } = priced;
  if (inputTokens === undefined) {
    const [cap] = caps;
    if (!cap) return { details: {} };
    return {
      details: {},
      refusal: `Its input tokens could not be counted, so its cost cannot be held to ${cap.name}, and it was refused. ${nothingDone}.`
    };
  }
  const video: VideoCostInput | undefined = durationSeconds !== undefined ? { ...input, durationSeconds } : undefined;
  const audioInputTokens = video ? estimateAudioTokens(video) : undefined;
  const cachedInputTokens = cachedTokensOf(input, inputTokens);
  const calls = request.segments?.calls ?? 1;
  const call = {
    inputTokens: inputTokens / calls,
    maxOutputTokens: request.segments ? request.segments.outputTokens / calls : input.maxOutputTokens,
    ...(audioInputTokens !== undefined ? { audioInputTokens: audioInputTokens / calls } : {}),
    ...(cachedInputTokens !== undefined ? { cachedInputTokens: cachedInputTokens / calls } : {})
  };
  const usd = calls * estimateCallCost(call, price, { batch: input.priority === "batch" });
  const details = { estimatedCostUsd: usd };
  const summary = `estimated cost ${formatUsd(usd)}`;
  const over = caps.find((cap) => usd > cap.usd);
  if (!over) return { details, summary };
  return { details, summary, refusal: `${capRefusal({ ...request, inputTokens }, price, usd, over)} ${nothingDone}.` };
}

function capRefusal(request: CostEstimateRequest & { inputTokens: number }, price: ModelPrice, usd: number, cap: Cap): string {
  const { input, durationSeconds, inputTokens, isCounted } = request;
  const outputTokens = expectedOutputTokens(input.maxOutputTokens);
  const outputUsd = estimateCallCost({ inputTokens: 0, maxOutputTokens: input.maxOutputTokens }, price);
  // Input dollars per token as this request is billed (its audio and tier included), to turn the cap into tokens.
  const perToken = (usd - outputUsd) / Math.max(inputTokens, 1);
  const budgetTokens = perToken > 0 ? Math.max((cap.usd - outputUsd) / perToken, 0) : 0;
  const family = modelFamily(input.model);
  const promptTokens = estimateTextTokens(input.prompt);
  const fitting = waysToFit({
    input,
    durationSeconds,
    tokens: inputTokens,
    promptTokens,
    family,
    budgetTokens,
    costOf: (tokens) => `about ${formatUsd(tokens * perToken + outputUsd)}`
  });
  const { options } = fitting;
  const what =
    request.lengthIsClipEnd && durationSeconds !== undefined
      ? `This ${formatClock(durationSeconds - (input.startSeconds ?? 0))} clip`
      : fitting.what;
  const batchUsd = usd * (1 - price.batchDiscount);
  if (input.priority !== "batch" && batchUsd <= cap.usd)
    options.push(`priority "batch" (about ${formatUsd(batchUsd)} through Gemini's Batch API, answered within 24 h)`);
  const counted = isCounted ? "counted by Gemini" : "estimated from its length";
  const answer =
    input.maxOutputTokens !== undefined
      ? `up to ${outputTokens.toLocaleString("en-US")}`
      : `about ${outputTokens.toLocaleString("en-US")} expected`;
  const advice = options.length > 0 ? ` It would fit with ${options.join("; or ")}.` : "";
  return `${what} would cost about ${formatUsd(usd)} with ${input.model} (${inputTokens.toLocaleString("en-US")} input tokens ${counted}, ${answer} output tokens), more than ${cap.name}.${advice}`;
}

/**
 * Before the upload: refused when today's cap is spent, or when the clip's
 * length is known (it has an end) and its estimate at the published rates is
 * over a cap. Otherwise the check waits for Gemini's count (`checkCost`).
 */
export async function checkCostBeforeUpload(jobId: string, input: AnalysisInput, cost: CostPolicy): Promise<CostCheck> {
  if (input.endSeconds !== undefined) {
    const durationSeconds = input.endSeconds;
    const inputTokens =
      estimateVideoTokens({ ...input, durationSeconds }, modelFamily(input.model)) + estimateTextTokens(input.prompt);
    return checkCost(
      { jobId, input, durationSeconds, inputTokens, isCounted: false, uploaded: false, lengthIsClipEnd: true },
      cost
    );
  }
  const caps = await capsOf(jobId, input, cost);
  const spent = caps.find((cap) => cap.usd <= 0 && cap.spent);
  if (!spent) return { details: {} };
  return {
    details: {},
    refusal: `Nothing is left today of ${spent.spent}; analyses run again after 00:00 UTC. Nothing was uploaded or generated.`
  };
}

/** What the answer cost, from Gemini's usage at the model's prices (the Batch API's at its discount). */
export function costAfter(
  model: string,
  usage: TokenUsage | undefined,
  cost: CostPolicy,
  options: CostOptions = {}
): Pick<JobDetails, "costUsd" | "costNote"> {
  if (!usage) return {};
  const priced = priceOf(model, cost);
  return "note" in priced ? { costNote: priced.note } : { costUsd: costOfUsage(usage, priced.price, options) };
}

/**
 * What several calls cost together (a segmented video's segments and its
 * merge), each priced alone: the tier above 200,000 prompt tokens is a
 * property of one request, not of their sum.
 */
export function costOfCalls(
  model: string,
  usages: readonly (TokenUsage | null | undefined)[],
  cost: CostPolicy
): Pick<JobDetails, "costUsd" | "costNote"> {
  const known = usages.filter((usage): usage is TokenUsage => usage !== null && usage !== undefined);
  if (known.length === 0) return {};
  const priced = priceOf(model, cost);
  if ("note" in priced) return { costNote: priced.note };
  return { costUsd: known.reduce((total, usage) => total + costOfUsage(usage, priced.price), 0) };
}
