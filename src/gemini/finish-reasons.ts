/**
 * What Gemini's finish and block reasons mean for the user, and what to do.
 * @module
 */

const WHY_BY_FINISH_REASON: Record<string, string> = {
  SAFETY: "its safety filters stopped the answer",
  RECITATION: "the answer was too close to copyrighted material (recitation)",
  PROHIBITED_CONTENT: "the video or prompt was flagged as prohibited content",
  SPII: "the answer would have contained sensitive personal information",
  BLOCKLIST: "the answer contained blocked terms",
  LANGUAGE: "the language is not supported",
  MALFORMED_FUNCTION_CALL: "the model produced a malformed call",
  IMAGE_SAFETY: "its safety filters flagged the video's frames",
  OTHER: "of an unspecified problem on Gemini's side"
};

const ADVICE_BY_FINISH_REASON: Record<string, string> = {
  SAFETY: "Rephrase the prompt, or analyse another part of the video (startOffset/endOffset).",
  RECITATION: "Ask for a summary or analysis in your own words rather than a verbatim copy (lyrics, scripts).",
  PROHIBITED_CONTENT: "This video cannot be analysed with Gemini.",
  IMAGE_SAFETY: "Analyse another part of the video (startOffset/endOffset)."
};

/** Reasons for a complete answer (so a reason that is not one is a string). */
export function isNormalFinish(reason: string | undefined): reason is "STOP" | "FINISH_REASON_UNSPECIFIED" | undefined {
  return reason === undefined || reason === "STOP" || reason === "FINISH_REASON_UNSPECIFIED";
}

/** Why Gemini stopped without (the whole of) an answer, with advice. */
export function describeFinishReason(reason: string, maxOutputTokens?: number): string {
  if (reason === "MAX_TOKENS") {
    const limit = maxOutputTokens ? `the maxOutputTokens of ${maxOutputTokens}` : "the model's output limit";
    return `Gemini reached ${limit} before finishing the answer (finish reason MAX_TOKENS). Raise maxOutputTokens, ask for a shorter answer, or analyse a clip (startOffset/endOffset).`;
  }
  const why = WHY_BY_FINISH_REASON[reason] ?? "of an unexpected reason";
  const advice = ADVICE_BY_FINISH_REASON[reason] ?? "Rephrase the prompt or try again.";
  return `Gemini stopped because ${why} (finish reason ${reason}). ${advice}`;
}

/** A note to put beside an answer that ended early, or undefined when it is complete. */
export function finishNote(reason: string | undefined, maxOutputTokens?: number): string | undefined {
  if (isNormalFinish(reason)) return undefined;
  return `Note: the answer may be incomplete. ${describeFinishReason(reason, maxOutputTokens)}`;
}

export function describeBlockReason(reason: string): string {
  const why =
    reason === "SAFETY"
      ? "its safety filters flagged the prompt"
      : reason === "PROHIBITED_CONTENT"
        ? "the prompt or video was flagged as prohibited content"
        : reason === "BLOCKLIST"
          ? "the prompt contains blocked terms"
          : "of its content policy";
  return `Gemini refused the request because ${why} (block reason ${reason}). Rephrase the prompt or try another video.`;
}
