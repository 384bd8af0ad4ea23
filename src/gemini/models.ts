/**
 * A model's input token limit, from `models.get`, remembered per model for
 * the life of the isolate.
 * @module
 */
import { ApiError, type GoogleGenAI } from "@google/genai";

const limits = new Map<string, number | undefined>();

/**
 * The model's `inputTokenLimit`, or undefined when Gemini did not say. A 404
 * (no such model) is thrown, since the analysis could not succeed either;
 * other failures only mean the limit is not checked.
 */
export async function inputTokenLimit(ai: GoogleGenAI, model: string, signal?: AbortSignal): Promise<number | undefined> {
  if (limits.has(model)) return limits.get(model);
  try {
    const info = await ai.models.get({ model, ...(signal ? { config: { abortSignal: signal } } : {}) });
    limits.set(model, info.inputTokenLimit);
    return info.inputTokenLimit;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) throw error;
    if (signal?.aborted) throw error;
    return undefined;
  }
}
