/**
 * Builds the `@google/genai` client from settings, with an injectable fetch.
 * @module
 */
import { GoogleGenAI } from "@google/genai";
import type { GeminiSettings } from "../config";

export type FetchLike = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

/** Raised before any network call when no API key is configured. */
export class MissingApiKeyError extends Error {
  constructor() {
    super(
      "GOOGLE_API_KEY is not set, so Gemini cannot be called. Add it to .dev.vars for `npm run dev`, or run `wrangler secret put GOOGLE_API_KEY` for a deployed Worker."
    );
    this.name = "MissingApiKeyError";
  }
}

export function createGeminiClient(settings: GeminiSettings, fetchFn?: FetchLike): GoogleGenAI {
  if (!settings.apiKey) throw new MissingApiKeyError();
  return new GoogleGenAI({
    apiKey: settings.apiKey,
    httpOptions: {
      ...(settings.baseUrl ? { baseUrl: settings.baseUrl } : {}),
      ...(fetchFn ? { fetch: fetchFn } : {})
    }
  });
}
