/**
 * Asks Gemini about one video and streams the answer back.
 * @module
 */
import type { GenerateContentResponseUsageMetadata, GoogleGenAI } from "@google/genai";

export interface VideoQuestion {
  model: string;
  /** A YouTube link or a Gemini Files API URI. */
  fileUri: string;
  mimeType: string;
  prompt: string;
}

export interface VideoAnswer {
  text: string;
  model: string;
  finishReason?: string;
  usage?: GenerateContentResponseUsageMetadata;
}

/** Finish reasons that still leave a usable answer. */
const COMPLETE_REASONS = new Set(["STOP", "FINISH_REASON_UNSPECIFIED", "MAX_TOKENS"]);

/** Raised when Gemini answered but gave no usable text (blocked, safety, recitation). */
export class NoAnswerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NoAnswerError";
  }
}

/**
 * Streams Gemini's answer, calling `onText` with the text so far after each
 * chunk. Throws `NoAnswerError` when the answer was blocked or empty.
 */
export async function askGeminiAboutVideo(
  ai: GoogleGenAI,
  question: VideoQuestion,
  options: { signal?: AbortSignal; onText?: (textSoFar: string) => Promise<void> | void } = {}
): Promise<VideoAnswer> {
  const stream = await ai.models.generateContentStream({
    model: question.model,
    contents: [
      {
        role: "user",
        parts: [
          { fileData: { fileUri: question.fileUri, mimeType: question.mimeType } },
          { text: question.prompt }
        ]
      }
    ],
    config: options.signal ? { abortSignal: options.signal } : {}
  });
  let text = "";
  let finishReason: string | undefined;
  let usage: GenerateContentResponseUsageMetadata | undefined;
  let blockReason: string | undefined;
  for await (const chunk of stream) {
    text += chunk.text ?? "";
    finishReason = chunk.candidates?.[0]?.finishReason ?? finishReason;
    usage = chunk.usageMetadata ?? usage;
    blockReason = chunk.promptFeedback?.blockReason ?? blockReason;
    await options.onText?.(text);
  }
  if (blockReason) {
    throw new NoAnswerError(
      `Gemini blocked the request (${blockReason}). Rephrase the prompt or try another video.`
    );
  }
  if (finishReason && !COMPLETE_REASONS.has(finishReason) && text.length === 0) {
    throw new NoAnswerError(
      `Gemini stopped without an answer (finish reason ${finishReason}). Rephrase the prompt or try another video.`
    );
  }
  if (text.length === 0) throw new NoAnswerError("Gemini returned an empty answer. Try again.");
  return {
    text,
    model: question.model,
    ...(finishReason ? { finishReason } : {}),
    ...(usage ? { usage } : {})
  };
}
