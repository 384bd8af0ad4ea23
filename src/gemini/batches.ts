/**
 * One question through Gemini's Batch API, at its discount: submitted as a
 * batch of one inlined request (`models.batchGenerateContent`), looked at
 * until it ends (Gemini promises an answer within 24 hours), cancelled on
 * request. The answer is the same `GenerateContentResponse` a plain call
 * gives, inlined in the batch's output.
 * @module
 */
import { type BatchJob, type GoogleGenAI, JobState } from "@google/genai";
import { UserFacingError } from "../errors";
import { NoAnswerError, type VideoAnswer, type VideoQuestion, videoRequest } from "./analyze";
import { describeBlockReason, describeFinishReason, isNormalFinish } from "./finish-reasons";
import { toTokenUsage } from "./usage";

/** Raised when Gemini's batch ended without an answer (failed, expired, cancelled on its side). */
export class BatchError extends UserFacingError {
  constructor(message: string) {
    super(message);
    this.name = "BatchError";
  }
}

/** Where a batch stands, as our progress tells it. */
export type BatchProgress =
  | { state: "queued" | "running" }
  | { state: "done"; answer: VideoAnswer }
  | { state: "ended"; error: BatchError };

/** Submits the question as a batch of one; returns the batch's name (`batches/...`). */
export async function submitBatch(ai: GoogleGenAI, question: VideoQuestion, displayName: string): Promise<string> {
  const { model, contents, config } = videoRequest(question);
  const batch = await ai.batches.create({ model, src: [{ contents, ...(config ? { config } : {}) }], config: { displayName } });
  if (!batch.name) throw new BatchError("Gemini accepted the batch without naming it. Ask again.");
  return batch.name;
}

/** Reads where the batch stands; its answer once it succeeded. */
export async function readBatch(ai: GoogleGenAI, name: string, question: VideoQuestion): Promise<BatchProgress> {
  const batch = await ai.batches.get({ name });
  switch (batch.state) {
    case JobState.JOB_STATE_SUCCEEDED:
      return answerOf(batch, question);
    case JobState.JOB_STATE_FAILED:
      return ended(`Gemini's batch failed${batch.error?.message ? `: ${batch.error.message}` : ""}. Ask again.`);
    case JobState.JOB_STATE_EXPIRED:
      return ended(
        'Gemini\'s batch expired before it ran (batches run within 24 hours). Ask again, or without priority "batch" for an answer now.'
      );
    case JobState.JOB_STATE_CANCELLED:
      return ended("Gemini's batch was cancelled.");
    case JobState.JOB_STATE_RUNNING:
      return { state: "running" };
    default:
      return { state: "queued" };
  }
}

/** Cancels the batch, best effort: one Gemini has finished or forgotten is left as it is. */
export async function cancelBatch(ai: GoogleGenAI, name: string): Promise<void> {
  try {
    await ai.batches.cancel({ name });
  } catch (error) {
    console.warn(`Could not cancel Gemini batch ${name}: ${String(error)}`);
  }
}

const ended = (message: string): BatchProgress => ({ state: "ended", error: new BatchError(message) });

function answerOf(batch: BatchJob, question: VideoQuestion): BatchProgress {
  const [inlined] = batch.dest?.inlinedResponses ?? [];
  if (inlined?.error) return ended(`Gemini could not answer in its batch: ${inlined.error.message ?? "no reason given"}.`);
  const response = inlined?.response;
  if (!response) return ended("Gemini's batch ended without an answer. Ask again.");
  const blockReason = response.promptFeedback?.blockReason;
  if (blockReason) throw new NoAnswerError(describeBlockReason(blockReason));
  const finishReason = response.candidates?.[0]?.finishReason;
  const text = response.text ?? "";
  if (text.length === 0) {
    throw new NoAnswerError(
      isNormalFinish(finishReason)
        ? "Gemini returned an empty answer. Try again."
        : describeFinishReason(finishReason, question.maxOutputTokens)
    );
  }
  const usage = toTokenUsage(response.usageMetadata);
  return {
    state: "done",
    answer: { text, model: question.model, ...(finishReason ? { finishReason } : {}), ...(usage ? { usage } : {}) }
  };
}
