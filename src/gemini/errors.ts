/**
 * Turns whatever a Gemini call threw into one readable sentence with a hint.
 * @module
 */
import { ApiError } from "@google/genai";
import { isUserFacing } from "../errors";
import { GeminiHttpError, isNetworkError, retryInfoDelayMs } from "./retry";

interface GoogleErrorBody {
  error?: { code?: number; message?: string; status?: string };
}

const GONE_FILE_HINT =
  "The uploaded video is gone from Gemini (files expire after 48 hours): ask again with the video URL to upload it anew.";

const ABOUT_THE_VIDEO = /video|file|mime|media|youtube|url|uri/i;

function parseBody(message: string): GoogleErrorBody["error"] | undefined {
  try {
    // SAFETY: Google's error bodies are `{ error: { code, message, status, ... } }`; callers read each field optionally, as text.
    return (JSON.parse(message) as GoogleErrorBody).error;
  } catch {
    return undefined;
  }
}

function retryHint(rawBody: string): string {
  const delayMs = retryInfoDelayMs(rawBody);
  const when = delayMs !== undefined ? `in ${Math.ceil(delayMs / 1000)} s` : "in a minute";
  return `The Gemini quota or rate limit was reached: retry ${when}, use a key with a higher quota, or lower fps/mediaResolution to spend fewer tokens.`;
}

/** What to do about an HTTP failure, judged by its status and Google's message. */
function hintFor(status: number, message: string, rawBody: string): string {
  switch (status) {
    case 400:
      if (/api key/i.test(message)) return "Check GOOGLE_API_KEY.";
      return ABOUT_THE_VIDEO.test(message)
        ? "Gemini could not read the video: check that it is a public, playable video (YouTube: not private, age-restricted or a playlist) and that startOffset/endOffset lie within it."
        : "Check the arguments (model, startOffset/endOffset, fps, mediaResolution, maxOutputTokens).";
    case 401:
      return "Check GOOGLE_API_KEY.";
    case 403:
      if (/access the file .*may not exist/i.test(message)) return GONE_FILE_HINT;
      return "Check GOOGLE_API_KEY (valid, and allowed to use this model), and that the video is public (not private or age-restricted).";
    case 404:
      return /files\//.test(message) ? GONE_FILE_HINT : "Check the model name (GEMINI_MODEL or the `model` argument).";
    case 429:
      return retryHint(rawBody);
    case 503:
      return "Gemini is overloaded or unavailable; retry in a moment.";
    default:
      return status >= 500 ? "Gemini had an internal error; retry in a moment." : "";
  }
}

/** One line for a tool error: what failed, the cause, and what to do. */
export function describeGeminiError(error: unknown): string {
  if (error instanceof ApiError || error instanceof GeminiHttpError) {
    const rawBody = error instanceof ApiError ? error.message : error.body;
    const body = parseBody(rawBody);
    const message = body?.message ?? error.message;
    const reason = [body?.status, message].filter(Boolean).join(": ");
    return `Gemini API error ${error.status} (${reason}). ${hintFor(error.status, message, rawBody)}`.trim();
  }
  if (error instanceof Error) {
    if (error.name === "AbortError") return "The Gemini request was cancelled.";
    if (isUserFacing(error)) return error.message;
    if (isNetworkError(error)) {
      return `Could not reach the Gemini API (${error.message}). Check GEMINI_BASE_URL and the network, then retry.`;
    }
    return `Gemini call failed: ${error.message}`;
  }
  return `Gemini call failed: ${String(error)}`;
}
