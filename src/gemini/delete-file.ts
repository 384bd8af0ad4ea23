/**
 * Deleting a Files API file, best effort: a file left behind expires on
 * Gemini's side after 48 hours.
 * @module
 */
import type { GoogleGenAI } from "@google/genai";
import { describeGeminiError } from "./errors";
import { withRetry } from "./retry";

export async function deleteGeminiFile(ai: GoogleGenAI, name: string, sleep: (ms: number) => Promise<void>): Promise<void> {
  try {
    await withRetry(() => ai.files.delete({ name }), { sleep });
  } catch (error) {
    console.warn(`Could not delete Gemini file ${name}: ${describeGeminiError(error)}`);
  }
}
