/**
 * A model's token limits, from `models.get`, fetched once per model for
 * the life of the isolate (and early, so they are ready when a job needs them).
 * @module
 */
import { ApiError, type GoogleGenAI } from "@google/genai";

/** What Gemini said of a model's limits; a limit it did not state is undefined. */
export interface ModelLimits {
  inputTokenLimit: number | undefined;
  outputTokenLimit: number | undefined;
}

const limits = new Map<string, Promise<ModelLimits | undefined>>();

const positive = (value: unknown) => (typeof value === "number" && value > 0 ? value : undefined);

/**
 * The model's limits, or undefined when Gemini did not answer. A 404 (no
 * such model) is thrown, since the analysis could not succeed either; other
 * failures only mean the limits are not checked (and are not remembered).
 */
export function modelLimits(ai: GoogleGenAI, model: string): Promise<ModelLimits | undefined> {
  let known = limits.get(model);
  if (!known) {
    known = ai.models.get({ model }).then(
      (info) => ({ inputTokenLimit: positive(info.inputTokenLimit), outputTokenLimit: positive(info.outputTokenLimit) }),
      (error: unknown) => {
        if (error instanceof ApiError && error.status === 404) throw error;
        limits.delete(model);
        return undefined;
      }
    );
    limits.set(model, known);
  }
  return known;
}

/** The model's `inputTokenLimit`, or undefined when Gemini did not say (see `modelLimits`). */
export async function inputTokenLimit(ai: GoogleGenAI, model: string): Promise<number | undefined> {
  return (await modelLimits(ai, model))?.inputTokenLimit;
}

/** Starts fetching the limits without waiting for them; `modelLimits` returns them later. */
export function prefetchInputTokenLimit(ai: GoogleGenAI, model: string): void {
  modelLimits(ai, model).catch(() => {});
}
