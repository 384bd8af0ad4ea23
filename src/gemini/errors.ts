/**
 * Turns whatever a Gemini call threw into one readable sentence with a hint.
 * @module
 */
import { ApiError } from "@google/genai";
import { GeminiHttpError, isNetworkError } from "./retry";

interface GoogleErrorBody {
  error?: { code?: number; message?: string; status?: string };
}

const HINT_BY_STATUS: Record<number, string> = {
  400: "Gemini could not use the request: check the video URL (public, a single video) and the arguments.",
  401: "Check GOOGLE_API_KEY.",
  403: "Check GOOGLE_API_KEY, and that the video is public (not private or age-restricted).",
  404: "Check the model name (GEMINI_MODEL or the `model` argument).",
  429: "The Gemini quota or rate limit was reached; retry in a minute or use another key.",
  500: "Gemini had an internal error; retry in a moment.",
  503: "Gemini is overloaded or unavailable; retry in a moment."
};

/** Errors whose message is already written for the user. */
const EXPLAINED_ERRORS = new Set(["MissingApiKeyError", "NoAnswerError", "VideoSourceError", "VideoUrlError", "GeminiFileError"]);

function parseBody(message: string): GoogleErrorBody["error"] | undefined {
  try {
    return (JSON.parse(message) as GoogleErrorBody).error;
  } catch {
    return undefined;
  }
}

function hintFor(status: number): string {
  return HINT_BY_STATUS[status] ?? (status >= 500 ? HINT_BY_STATUS[500]! : "");
}

/** One line for a tool error: what failed, the cause, and what to do. */
export function describeGeminiError(error: unknown): string {
  if (error instanceof ApiError || error instanceof GeminiHttpError) {
    const body = parseBody(error instanceof ApiError ? error.message : error.body);
    const reason = [body?.status, body?.message ?? error.message].filter(Boolean).join(": ");
    return `Gemini API error ${error.status} (${reason}). ${hintFor(error.status)}`.trim();
  }
  if (error instanceof Error) {
    if (error.name === "AbortError") return "The Gemini request was cancelled.";
    if (EXPLAINED_ERRORS.has(error.name)) return error.message;
    if (isNetworkError(error)) {
      return `Could not reach the Gemini API (${error.message}). Check GEMINI_BASE_URL and the network, then retry.`;
    }
    return `Gemini call failed: ${error.message}`;
  }
  return `Gemini call failed: ${String(error)}`;
}
