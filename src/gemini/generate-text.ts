/**
 * One text-only `generateContent` call: a prompt in, Gemini's whole answer
 * out (not streamed: the answers asked this way are short), with the
 * finish reason and usage.
 * @module
 */
import type { GoogleGenAI } from "@google/genai";
import { NoAnswerError } from "./analyze";
import { describeBlockReason, describeFinishReason, isNormalFinish } from "./finish-reasons";
import { toTokenUsage, type TokenUsage } from "./usage";

export interface TextRequest {
  model: string;
  /** How the model should answer (Gemini's `systemInstruction`). */
  instruction: string;
  prompt: string;
  maxOutputTokens?: number;
}

export interface TextAnswer {
  text: string;
  model: string;
  finishReason?: string;
  usage?: TokenUsage;
}

/** Asks Gemini `request` and returns its text; throws `NoAnswerError` when it gave none. */
export async function generateText(client: GoogleGenAI, request: TextRequest, signal?: AbortSignal): Promise<TextAnswer> {
  const response = await client.models.generateContent({
    model: request.model,
    contents: [{ role: "user", parts: [{ text: request.prompt }] }],
    config: {
      systemInstruction: request.instruction,
      ...(request.maxOutputTokens ? { maxOutputTokens: request.maxOutputTokens } : {}),
      ...(signal ? { abortSignal: signal } : {})
    }
  });
  const blocked = response.promptFeedback?.blockReason;
  if (blocked) throw new NoAnswerError(describeBlockReason(blocked));
  const finishReason = response.candidates?.[0]?.finishReason;
  const text = response.text ?? "";
  if (text.trim() === "") {
    throw new NoAnswerError(
      finishReason && !isNormalFinish(finishReason)
        ? describeFinishReason(finishReason)
        : "Gemini gave an empty answer. Try again."
    );
  }
  const usage = toTokenUsage(response.usageMetadata);
  return {
    text,
    model: response.modelVersion ?? request.model,
    ...(finishReason ? { finishReason } : {}),
    ...(usage ? { usage } : {})
  };
}
