/**
 * What an answer cost in tokens, in our own shape: Gemini's `usageMetadata`
 * carries more than clients should see and changes as Gemini grows (per
 * modality details, thinking, cache and tool counts, traffic type), so only
 * the counts below are read from it, each checked, and nothing else passes.
 * @module
 */

/** Input modalities Gemini counts apart (`MediaModality`, lower-cased). */
export const INPUT_MODALITIES = ["text", "image", "video", "audio", "document"] as const;
export type InputModality = (typeof INPUT_MODALITIES)[number];

export interface TokenUsage {
  /** The request's tokens (`promptTokenCount`): the video's frames and audio and the prompt; includes `cachedInputTokens`. */
  inputTokens: number;
  /** The part of `inputTokens` served from Gemini's cache (`cachedContentTokenCount`). */
  cachedInputTokens: number;
  /** The answer's tokens (`candidatesTokenCount`). */
  outputTokens: number;
  /** Tokens the model spent thinking before it answered (`thoughtsTokenCount`). */
  thinkingTokens: number;
  /** Everything Gemini counted for the call (`totalTokenCount`). */
  totalTokens: number;
  /** `inputTokens` by modality (`promptTokensDetails`), when Gemini broke them down. */
  inputByModality?: Partial<Record<InputModality, number>>;
}

/** A count as Gemini's JSON gives it; proto3 leaves out zeros, so absent is 0. */
function tokenCount(value: unknown): number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0 ? value : 0;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `[{ modality: "VIDEO", tokenCount: 123 }, ...]` summed by modality; MODALITY_UNSPECIFIED counts as text, as Gemini says. */
function byModality(details: unknown): Partial<Record<InputModality, number>> | undefined {
  if (!Array.isArray(details)) return undefined;
  const counts: Partial<Record<InputModality, number>> = {};
  for (const detail of details) {
    if (!isObject(detail) || typeof detail.modality !== "string") continue;
    const name = detail.modality === "MODALITY_UNSPECIFIED" ? "text" : detail.modality.toLowerCase();
    const modality = INPUT_MODALITIES.find((known) => known === name);
    if (modality) counts[modality] = (counts[modality] ?? 0) + tokenCount(detail.tokenCount);
  }
  return Object.keys(counts).length > 0 ? counts : undefined;
}

/** Our usage from Gemini's `usageMetadata` (or undefined when there is none). */
export function toTokenUsage(usageMetadata: unknown): TokenUsage | undefined {
  if (!isObject(usageMetadata)) return undefined;
  const inputByModality = byModality(usageMetadata.promptTokensDetails);
  return {
    inputTokens: tokenCount(usageMetadata.promptTokenCount),
    cachedInputTokens: tokenCount(usageMetadata.cachedContentTokenCount),
    outputTokens: tokenCount(usageMetadata.candidatesTokenCount),
    thinkingTokens: tokenCount(usageMetadata.thoughtsTokenCount),
    totalTokens: tokenCount(usageMetadata.totalTokenCount),
    ...(inputByModality ? { inputByModality } : {})
  };
}

/**
 * Usage as stored with a job: our shape, checked field by field; or, in rows
 * written before it existed, Gemini's `usageMetadata` as it came, mapped.
 */
export function storedTokenUsage(stored: unknown): TokenUsage | undefined {
  if (!isObject(stored) || !("inputTokens" in stored)) return toTokenUsage(stored);
  const modalities = isObject(stored.inputByModality) ? stored.inputByModality : {};
  const inputByModality = Object.fromEntries(
    INPUT_MODALITIES.filter((modality) => modality in modalities).map((modality) => [modality, tokenCount(modalities[modality])])
  );
  return {
    inputTokens: tokenCount(stored.inputTokens),
    cachedInputTokens: tokenCount(stored.cachedInputTokens),
    outputTokens: tokenCount(stored.outputTokens),
    thinkingTokens: tokenCount(stored.thinkingTokens),
    totalTokens: tokenCount(stored.totalTokens),
    ...(Object.keys(inputByModality).length > 0 ? { inputByModality } : {})
  };
}
