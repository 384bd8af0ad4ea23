/**
 * A model's input token limit, from `models.get`, fetched once per model for
 * the life of the isolate (and early, so it is ready when a job needs it).
 * @module
 */
import { ApiError, type GoogleGenAI } from "@google/genai";

const limits = new Map<string, Promise<number | undefined>>();

/**
 * The model's `inputTokenLimit`, or undefined when Gemini did not say. A 404
 * (no such model) is thrown, since the analysis could not succeed either;
 * other failures only mean the limit is not checked (and are not remembered).
 */
export function inputTokenLimit(ai: GoogleGenAI, model: string): Promise<number | undefined> {
  let limit = limits.get(model);
  if (!limit) {
    limit = ai.models.get({ model }).then(
      (info) => (typeof info.inputTokenLimit === "number" && info.inputTokenLimit > 0 ? info.inputTokenLimit : undefined),
      (error: unknown) => {
        if (error instanceof ApiError && error.status === 404) throw error;
        limits.delete(model);
        return undefined;
      }
    );
    limits.set(model, limit);
  }
  return limit;
}

/** Starts fetching the limit without waiting for it; `inputTokenLimit` returns it later. */
export function prefetchInputTokenLimit(ai: GoogleGenAI, model: string): void {
  inputTokenLimit(ai, model).catch(() => {});
}
