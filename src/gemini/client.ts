/**
 * Builds the `@google/genai` client from settings, with an injectable fetch.
 * @module
 */
import { UserFacingError } from "../errors";
import { GoogleGenAI } from "@google/genai";
import type { GeminiSettings } from "../config";
import type { FetchLike } from "../http/fetch-like";

/**
 * The Gemini API version every call goes to: the SDK's, the resumable upload
 * (upload.ts) and countTokens (count-tokens.ts). v1beta is where the Files
 * API, `countTokens` with a `generateContentRequest`, `mediaResolution`,
 * `videoMetadata` and `responseJsonSchema` are documented. @google/genai 3
 * moved its own default from v1beta to v1, which split one job's calls
 * across two versions; pinning it here keeps them on one.
 */
export const GEMINI_API_VERSION = "v1beta";

/** Raised before any network call when no API key is configured. */
export class MissingApiKeyError extends UserFacingError {
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
      apiVersion: GEMINI_API_VERSION,
      ...(settings.baseUrl ? { baseUrl: settings.baseUrl } : {}),
      ...(fetchFn ? { fetch: fetchFn } : {})
    }
  });
}
