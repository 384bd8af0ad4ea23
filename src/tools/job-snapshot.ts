/**
 * How a job is shown to clients: the structured output of the job tools,
 * and its text rendering.
 * @module
 */
import type { CallToolResult } from "@modelcontextprotocol/server";
import { z } from "zod";
import { formatUsd } from "../cost/estimate";
import { finishNote } from "../gemini/finish-reasons";
import type { InputModality } from "../gemini/usage";
import { JOB_STATES, TOKEN_COUNT_SOURCES, type DoneJob, type Job } from "../jobs/job";
import { shownPercent } from "../jobs/job-progress";
import { shortenedShape } from "./result-size";

const tokens = (what: string) => z.number().int().min(0).describe(what);

const usageShape = z
  .object({
    inputTokens: tokens("Input tokens of the request: the video's frames and audio, and the prompt. Includes cachedInputTokens."),
    cachedInputTokens: tokens("The part of inputTokens Gemini served from its cache (billed at a lower rate); 0 when none."),
    outputTokens: tokens("Tokens of the answer."),
    thinkingTokens: tokens("Tokens the model spent thinking before it answered (billed as output); 0 when none."),
    totalTokens: tokens("All tokens Gemini counted for the call."),
    inputByModality: z
      .object({
        video: tokens("The video's frames.").optional(),
        audio: tokens("The video's audio track.").optional(),
        text: tokens("The prompt, and any text Gemini adds (such as timestamps).").optional(),
        image: tokens("Images.").optional(),
        document: tokens("Documents.").optional()
      } satisfies Record<InputModality, z.ZodOptional<z.ZodNumber>>)
      .optional()
      .describe("inputTokens by modality, when Gemini broke them down (video frames, audio track, text of the prompt).")
  })
  .describe("Tokens Gemini reported for the answer (from its usageMetadata).");

/** What a finished job cost and how it ran: shared by every tool's structured result. */
export const jobMetadataShape = {
  jobId: z.string().describe("Pass to getVideoAnalysis, cancelVideoAnalysis or askAboutVideo."),
  model: z.string(),
  durationSeconds: z.number().optional().describe("The video's length, once Gemini has processed an uploaded file."),
  countedInputTokens: z
    .number()
    .optional()
    .describe(
      "Input tokens Gemini counted (countTokens) for this exact request before answering: the video's frames and audio at the chosen clip, fps and resolution, and the prompt."
    ),
  estimatedInputTokens: z
    .number()
    .optional()
    .describe(
      "Input tokens estimated from the video's length at the model family's published rates (a frame: Gemini 3 70 tokens, 280 at high resolution; Gemini 2.5 258, 66 at low; audio 32 a second), plus the prompt. Present when the length is known (uploaded videos)."
    ),
  tokenCountSource: z
    .enum(TOKEN_COUNT_SOURCES)
    .optional()
    .describe(
      "Which figure was checked against inputTokenLimit: countTokens (Gemini's count) or estimate (the published rates, when Gemini could not count)."
    ),
  tokenCountError: z.string().optional().describe("Why Gemini could not count the request's tokens, when it could not."),
  inputTokenLimit: z.number().optional().describe("The model's input limit (models.get) the tokens were checked against."),
  reusedUpload: z.boolean().optional().describe("True when a video uploaded earlier in the session was reused."),
  usage: usageShape.optional(),
  finishReason: z.string().optional(),
  ...shortenedShape,
  estimatedCostUsd: z
    .number()
    .optional()
    .describe(
      "What the analysis was expected to cost before it ran, in US dollars: its input tokens (Gemini's count, or the estimate) at the model's prices, and an answer up to maxOutputTokens (8,192 tokens when unset). Checked against maxCostUsd and the server's caps."
    ),
  costUsd: z
    .number()
    .optional()
    .describe(
      "What the answer cost, in US dollars: Gemini's usage at the model's prices (cached input at its price, thinking as output). Present once done."
    ),
  costNote: z
    .string()
    .optional()
    .describe("Why no cost in money is shown, when none is (a model the server's price table does not list)."),
  plan: z
    .object({
      segmentCount: z.number().int().min(2).describe("Segments the video is cut into, each asked on its own and merged."),
      estimatedInputTokens: tokens("Input tokens of all segments together (overlaps included), at the published rates."),
      estimatedOutputTokens: tokens("Output tokens expected of all segments together.")
    })
    .optional()
    .describe("Present when a long video is analysed in segments (see README, Long videos)."),
  videos: z
    .array(
      z.object({
        videoUrl: z.string(),
        durationSeconds: z.number().optional(),
        reusedUpload: z.boolean().optional().describe("True when a file uploaded before was read, not uploaded again.")
      })
    )
    .optional()
    .describe(
      "A question about several videos: each, in the order the request labels them (Video 1, Video 2...); durationSeconds above is their total."
    ),
  mediaUrl: z
    .string()
    .optional()
    .describe(
      "For a video file URL: the video's bytes on this server (GET /media?token=), for the in-chat viewer's player; the link expires after a few hours."
    )
};

/** Where a job stands: in every result of a tool that waits for a job, which may still be running. */
export const jobStatusShape = {
  status: z
    .enum(JOB_STATES)
    .describe("done, or failed/cancelled; queued, uploading, processing or generating while it still runs."),
  message: z.string().describe("Where the job stands, in words."),
  progress: z.number().describe("Percent of the whole job, 0 to 100.")
};

export const jobSnapshotShape = {
  ...jobMetadataShape,
  ...jobStatusShape,
  videoUrl: z.string(),
  bytesUploaded: z.number(),
  totalBytes: z.number().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  result: z
    .object({
      text: z.string(),
      usage: usageShape.optional(),
      note: z.string().optional().describe("Present when the answer may be incomplete, and why.")
    })
    .optional()
    .describe("Present once status is done."),
  error: z.string().optional().describe("Present when status is failed or cancelled.")
};

export type JobSnapshot = z.infer<z.ZodObject<typeof jobSnapshotShape>>;
export type JobMetadata = z.infer<z.ZodObject<typeof jobMetadataShape>>;

export function toMetadata(job: Job): JobMetadata {
  const { details } = job;
  return {
    jobId: job.id,
    model: job.input.model,
    ...(details.durationSeconds !== undefined ? { durationSeconds: details.durationSeconds } : {}),
    ...(details.countedTokens !== undefined ? { countedInputTokens: details.countedTokens } : {}),
    ...(details.estimatedTokens !== undefined ? { estimatedInputTokens: details.estimatedTokens } : {}),
    ...(details.tokenCountSource ? { tokenCountSource: details.tokenCountSource } : {}),
    ...(details.tokenCountError ? { tokenCountError: details.tokenCountError } : {}),
    ...(details.inputTokenLimit !== undefined ? { inputTokenLimit: details.inputTokenLimit } : {}),
    ...(details.reusedFile ? { reusedUpload: true } : {}),
    ...(job.state === "done" && job.usage ? { usage: job.usage } : {}),
    ...(details.finishReason ? { finishReason: details.finishReason } : {}),
    ...(details.estimatedCostUsd !== undefined ? { estimatedCostUsd: details.estimatedCostUsd } : {}),
    ...(details.costUsd !== undefined ? { costUsd: details.costUsd } : {}),
    ...(details.costNote ? { costNote: details.costNote } : {}),
    ...(job.input.videos ? { videos: videosOf(job) } : {}),
    ...(details.plan
      ? {
          plan: {
            segmentCount: details.plan.segments.length,
            estimatedInputTokens: details.plan.estimatedInputTokens,
            estimatedOutputTokens: details.plan.estimatedOutputTokens
          }
        }
      : {})
  };
}

/** Each video of a set, with what became of it once prepared. */
function videosOf(job: Job): NonNullable<JobMetadata["videos"]> {
  // SAFETY: asked only of a job with a set.
  return job.input.videos!.map((video, index) => {
    const prepared = job.details.videos?.[index];
    return {
      videoUrl: video.videoUrl,
      ...(prepared?.durationSeconds !== undefined ? { durationSeconds: prepared.durationSeconds } : {}),
      ...(prepared?.reused ? { reusedUpload: true } : {})
    };
  });
}

/** The note for an answer that ended early, if it did. */
export function answerNote(job: Job): string | undefined {
  return finishNote(job.details.finishReason, job.input.maxOutputTokens);
}

/** A finished job's answer as tool content: the text, then the note and what it cost, if any. */
export function answerContent(job: DoneJob, text = job.text): CallToolResult["content"] {
  const extras = [answerNote(job), costLine(job.details)].filter((extra) => extra !== undefined);
  return [{ type: "text", text }, ...extras.map((extra) => ({ type: "text" as const, text: extra }))];
}

export type JobStatus = z.infer<z.ZodObject<typeof jobStatusShape>>;

export function toStatus(job: Job): JobStatus {
  return { status: job.state, message: job.message, progress: shownPercent(job, "snapshot") };
}

export function toSnapshot(job: Job, { includeText = true } = {}): JobSnapshot {
  const note = answerNote(job);
  return {
    ...toMetadata(job),
    ...toStatus(job),
    videoUrl: job.input.videoUrl,
    bytesUploaded: job.bytesUploaded,
    totalBytes: job.totalBytes,
    createdAt: new Date(job.createdAt).toISOString(),
    updatedAt: new Date(job.updatedAt).toISOString(),
    ...(job.state === "done"
      ? {
          result: {
            text: includeText ? job.text : `${job.text.length} characters; call getVideoAnalysis for the text`,
            ...(job.usage ? { usage: job.usage } : {}),
            ...(note ? { note } : {})
          }
        }
      : {}),
    ...("error" in job && job.error ? { error: job.error } : {})
  };
}

/** "Cost: $0.0123 (estimated $0.02 before it ran)", once Gemini's usage is priced. */
export function costLine(metadata: { costUsd?: number | undefined; estimatedCostUsd?: number | undefined }): string | undefined {
  if (metadata.costUsd === undefined) return undefined;
  const estimate =
    metadata.estimatedCostUsd !== undefined ? ` (estimated ${formatUsd(metadata.estimatedCostUsd)} before it ran)` : "";
  return `Cost: ${formatUsd(metadata.costUsd)}${estimate}.`;
}

/** One readable paragraph for the text content of a job tool's result. */
export function describeSnapshot(snapshot: JobSnapshot): string {
  const head = `Job ${snapshot.jobId}: ${snapshot.status} (${snapshot.progress}%) - ${snapshot.message}`;
  if (snapshot.result) return [head, snapshot.result.text, snapshot.result.note, costLine(snapshot)].filter(Boolean).join("\n\n");
  if (snapshot.error) return `${head}\n\n${snapshot.error}`;
  return head;
}
