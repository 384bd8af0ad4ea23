/**
 * `models.countTokens` on the very request a question will make: the same
 * contents (the video part with its clip and fps, the prompt) and the same
 * `generationConfig`, whose `mediaResolution` sets what a frame costs. The
 * Gemini API takes all of that as `generateContentRequest`; @google/genai
 * `countTokens` (2.x and 3.x alike) sends only `contents` to it (and throws on
 * `config.generationConfig` outside Vertex AI), so this calls the REST
 * method itself, as upload.ts does for the resumable upload.
 * @module
 */
import { generateContentRequestBody, type VideoQuestion } from "./analyze";
import { GEMINI_API_VERSION } from "./client";
import { GeminiHttpError } from "./retry";
import { GOOGLE_BASE_URL, type UploadTarget } from "./upload";

/** Raised when Gemini answered 200 without a usable `totalTokens`. */
export class TokenCountError extends Error {
  constructor(body: string) {
    super(`countTokens answered without a token count: ${body.slice(0, 200)}`);
    this.name = "TokenCountError";
  }
}

/** Gemini's count of the input tokens `question` would send. */
export async function countQuestionTokens(target: UploadTarget, question: VideoQuestion, signal?: AbortSignal): Promise<number> {
  const base = (target.baseUrl ?? GOOGLE_BASE_URL).replace(/\/+$/, "");
  const response = await target.fetch(`${base}/${GEMINI_API_VERSION}/models/${question.model}:countTokens`, {
    method: "POST",
    headers: { "x-goog-api-key": target.apiKey, "Content-Type": "application/json" },
    body: JSON.stringify({ generateContentRequest: generateContentRequestBody(question) }),
    ...(signal ? { signal } : {})
  });
  const text = await response.text();
  if (!response.ok) throw new GeminiHttpError(response.status, text, "Counting tokens");
  let totalTokens: unknown;
  try {
    // SAFETY: the field is read as unknown and checked below; a body that is not an object throws into the catch.
    totalTokens = (JSON.parse(text) as { totalTokens?: unknown }).totalTokens;
  } catch {
    throw new TokenCountError(text);
  }
  if (typeof totalTokens !== "number" || !Number.isSafeInteger(totalTokens) || totalTokens <= 0) throw new TokenCountError(text);
  return totalTokens;
}
