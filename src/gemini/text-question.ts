/**
 * A question with no video, in one `generateContent` call (not streamed:
 * the answers asked this way are short): the final call that merges a long
 * video's segments into one answer, and `askAcrossVideos`' answer from the
 * library's passages.
 * @module
 */
import type { GoogleGenAI } from "@google/genai";
import { NoAnswerError } from "./analyze";
import { describeBlockReason, describeFinishReason, isNormalFinish } from "./finish-reasons";
import { toTokenUsage, type TokenUsage } from "./usage";

export interface TextQuestion {
  model: string;
  prompt: string;
  /** How the model should answer (Gemini's `systemInstruction`). */
  instruction?: string;
  /** When set, Gemini answers JSON that follows this schema. */
  responseJsonSchema?: Record<string, unknown>;
}

export interface TextAnswer {
  text: string;
  /** The model that answered, as Gemini names it. */
  model: string;
  finishReason?: string;
  usage?: TokenUsage;
}

/** Asks `question` in one `generateContent` call; throws `NoAnswerError` when nothing usable came back. */
export async function askGeminiText(ai: GoogleGenAI, question: TextQuestion, signal?: AbortSignal): Promise<TextAnswer> {
  const response = await ai.models.generateContent({
    model: question.model,
    contents: [{ role: "user", parts: [{ text: question.prompt }] }],
    config: {
      ...(signal ? { abortSignal: signal } : {}),
      ...(question.instruction ? { systemInstruction: question.instruction } : {}),
      ...(question.responseJsonSchema
        ? { responseMimeType: "application/json", responseJsonSchema: question.responseJsonSchema }
        : {})
    }
  });
  const blockReason = response.promptFeedback?.blockReason;
  if (blockReason) throw new NoAnswerError(describeBlockReason(blockReason));
  const finishReason: unknown = response.candidates?.[0]?.finishReason;
  const reason = typeof finishReason === "string" ? finishReason : undefined;
  const text = response.text ?? "";
  if (text.length === 0 || !isNormalFinish(reason)) {
    throw new NoAnswerError(
      isNormalFinish(reason) ? "Gemini returned an empty answer. Try again." : describeFinishReason(reason, undefined)
    );
  }
  const usage = response.usageMetadata ? toTokenUsage(response.usageMetadata) : undefined;
  return {
    text,
    model: response.modelVersion ?? question.model,
    ...(reason ? { finishReason: reason } : {}),
    ...(usage ? { usage } : {})
  };
}
