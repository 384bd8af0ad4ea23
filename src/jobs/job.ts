/**
 * What an analysis job is: its input, its stages, and what it has done so far.
 * @module
 */
import type { AnswerFormat, MediaResolution } from "../analysis/video-options";
import type { SegmentPlan } from "../analysis/segment-plan";
import type { TokenUsage } from "../gemini/usage";
import type { VideoSource } from "./source-check";

export { MEDIA_RESOLUTIONS } from "../analysis/video-options";
export type { AnswerFormat, MediaResolution };

/** The stages of a job, in order; the last three are final. */
export const JOB_STATES = ["queued", "uploading", "processing", "generating", "done", "failed", "cancelled"] as const;
export type JobState = (typeof JOB_STATES)[number];

export const FINAL_STATES: ReadonlySet<JobState> = new Set(["done", "failed", "cancelled"]);

/**
 * The legal moves between states. A YouTube link or a video uploaded before
 * goes from queued (or uploading, once the source is recognised) straight to
 * generating; a job that carries on from a stopped one starts in the stage
 * that one reached (queued → uploading or processing). Any live job may fail
 * or be cancelled; a final job never moves again. `JobStore.update` is the
 * one place a state changes, and it refuses any other move.
 */
export const JOB_TRANSITIONS: Readonly<Record<JobState, readonly JobState[]>> = {
  queued: ["uploading", "processing", "generating", "failed", "cancelled"],
  uploading: ["processing", "generating", "failed", "cancelled"],
  processing: ["generating", "failed", "cancelled"],
  generating: ["done", "failed", "cancelled"],
  done: [],
  failed: [],
  cancelled: []
};

/** The states a job may be in to move to `to` (staying in `to` included). */
export function statesLeadingTo(to: JobState): JobState[] {
  return JOB_STATES.filter((from) => from === to || JOB_TRANSITIONS[from].includes(to));
}

/** A state change the table does not allow: a bug, never a user's doing. */
export class IllegalTransitionError extends Error {
  constructor(jobId: string, from: JobState, to: JobState) {
    super(`Job ${jobId} cannot go from ${from} to ${to}`);
    this.name = "IllegalTransitionError";
  }
}

/** Where a job's input token figure came from: Gemini's count, or the published rates when counting failed. */
export const TOKEN_COUNT_SOURCES = ["countTokens", "estimate"] as const;
export type TokenCountSource = (typeof TOKEN_COUNT_SOURCES)[number];

export interface AnalysisInput {
  /** The URL as the user gave it. */
  videoUrl: string;
  /** What it names, parsed once (see `parseVideoSource`); rows stored before it existed get it as they are read. */
  source: VideoSource;
  prompt: string;
  model: string;
  /** The clip to watch, in seconds from the start. */
  startSeconds?: number;
  endSeconds?: number;
  /** Frames per second sampled (Gemini's default is 1). */
  fps?: number;
  mediaResolution?: MediaResolution;
  maxOutputTokens?: number;
  /** Default "text". */
  format?: AnswerFormat;
  /** Set for a follow-up on an earlier job: what Gemini read then, read again as is. */
  followUp?: FollowUp;
  /** More questions about this video will follow: hold it in a context cache (see `stages/use-cache.ts`). */
  keepForFollowUps?: boolean;
  /** "batch": generated through Gemini's Batch API, at its discount, within 24 hours (see `stages/batch-generate.ts`). */
  priority?: "batch";
  /** The most this analysis may cost, in US dollars, by its estimate before it runs. */
  maxCostUsd?: number;
}

export interface FollowUp {
  jobId: string;
  /** The Files API file (`files/...`), or null for a YouTube link. */
  fileName: string | null;
  fileUri: string;
  mimeType: string;
  durationSeconds?: number;
}

/** What the job learned along the way, for the result's metadata. */
export interface JobDetails {
  /** The video's length, from the uploaded file. */
  durationSeconds?: number;
  /** Input tokens of the video (and prompt) at the model family's published rates, when its length is known. */
  estimatedTokens?: number;
  /** Input tokens Gemini's `countTokens` counted for the exact request. */
  countedTokens?: number;
  /** Which of the two the model's input limit was checked against. */
  tokenCountSource?: TokenCountSource;
  /** Why `countTokens` could not count, when it could not. */
  tokenCountError?: string;
  /** The model's input limit, when Gemini said. */
  inputTokenLimit?: number;
  finishReason?: string;
  /** The source's ETag or size when it was uploaded, to recognise it again. */
  sourceTag?: string;
  /** True when a file uploaded earlier in the session was used. */
  reusedFile?: boolean;
  /** The file's name as its uploader gave it, for an analysis of `upload:<id>`. */
  uploadName?: string;
  /** The live job whose upload this one reads: two jobs on one source upload it once. */
  sharedUploadOf?: string;
  /** Runs on whether or not anyone waits for it (startVideoAnalysis, or a call past its budget). */
  background?: boolean;
  /**
   * Stopped because its last caller left: its upload is kept, and the same
   * request made again carries on from it. Cleared once a job has carried on
   * (see `resumedBy`) or the upload was discarded.
   */
  resumable?: boolean;
  /** The job that carried on from this one's upload. */
  resumedBy?: string;
  /** The context cache (`cachedContents/...`) holding the video that the answer is asked with. */
  cacheName?: string | undefined;
  /** The Gemini batch (`batches/...`) a batch-priority job's question was submitted as, and when. */
  batchName?: string;
  batchSubmittedAt?: number;
  /** What the analysis was expected to cost before it ran, in US dollars (`cost/estimate.ts`). */
  estimatedCostUsd?: number;
  /** What it cost, from Gemini's usage at the model's prices, in US dollars. */
  costUsd?: number;
  /** Why no cost is shown, when none is (a model the price table does not list, a bad GEMINI_PRICES). */
  costNote?: string;
  /** How the video is cut into segments (`plan-segments.ts`); one segment is asked as a single call. */
  plan?: SegmentPlan;
  /** Segments answered so far, and those being answered with the characters each has streamed (see `generate-segments.ts`). */
  segmentProgress?: SegmentProgress;
}

export interface SegmentProgress {
  /** Indexes into `plan.segments` of the segments answered. */
  done: number[];
  running: { index: number; characters: number }[];
}

/** What the answer cost, in our own shape (mapped from Gemini's `usageMetadata`). */
export type JobUsage = TokenUsage;

/** What a job has in every state: every field a restart needs to carry on. */
interface JobBase {
  id: string;
  input: AnalysisInput;
  /** The latest human-readable progress message. */
  message: string;
  createdAt: number;
  updatedAt: number;
  /** Bytes the Files API has confirmed (uploads only). */
  bytesUploaded: number;
  /** The source's size, when it said. */
  totalBytes: number | null;
  mimeType: string | null;
  /** The resumable upload session until Gemini confirms the file; a job stopped for a retry keeps it. */
  uploadUrl: string | null;
  /** The Gemini file (`files/...`) once uploaded, or null for YouTube and before the upload. */
  fileName: string | null;
  /** What Gemini reads, once known: a Files API URI or the canonical YouTube link. */
  fileUri: string | null;
  details: JobDetails;
}

/** Waiting, uploading, or Gemini processing the upload (which then has its file). */
export type EarlyJob =
  | (JobBase & { state: "queued" | "uploading" })
  | (JobBase & { state: "processing"; fileName: string; fileUri: string });

export interface GeneratingJob extends JobBase {
  state: "generating";
  fileUri: string;
  /** The answer so far. */
  text: string;
}

export interface DoneJob extends JobBase {
  state: "done";
  fileUri: string;
  text: string;
  usage: JobUsage | null;
}

export interface EndedJob extends JobBase {
  state: "failed" | "cancelled";
  /** What went wrong, or why it was cancelled, for the user. */
  error: string;
}

/** A job as stored, by state: each state has what it means (see JOB_TRANSITIONS for the moves). */
export type Job = EarlyJob | GeneratingJob | DoneJob | EndedJob;

/**
 * Whether the question is asked with a context cache of its video: one of
 * several about it (a follow-up, or `keepForFollowUps`), and not a batch,
 * which may wait hours to run while the cache is paid for.
 */
export function wantsCache(input: AnalysisInput): boolean {
  return (input.keepForFollowUps === true || input.followUp !== undefined) && input.priority !== "batch";
}

export function isFinal(job: Pick<Job, "state">): boolean {
  return FINAL_STATES.has(job.state);
}
