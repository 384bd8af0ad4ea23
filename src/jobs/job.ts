/**
 * What an analysis job is: its input, its stages, and what it has done so far.
 * @module
 */

/** The stages of a job, in order; the last three are final. */
export const JOB_STATES = [
  "queued",
  "uploading",
  "processing",
  "generating",
  "done",
  "failed",
  "cancelled"
] as const;
export type JobState = (typeof JOB_STATES)[number];

export const FINAL_STATES: ReadonlySet<JobState> = new Set(["done", "failed", "cancelled"]);

export interface AnalysisInput {
  /** The URL as the user gave it. */
  videoUrl: string;
  prompt: string;
  model: string;
}

export interface JobUsage {
  promptTokenCount?: number;
  candidatesTokenCount?: number;
  totalTokenCount?: number;
}

/** A job as stored: every field a restart needs to carry on. */
export interface Job {
  id: string;
  input: AnalysisInput;
  state: JobState;
  /** The latest human-readable progress message. */
  message: string;
  createdAt: number;
  updatedAt: number;
  /** Bytes the Files API has confirmed (uploads only). */
  bytesUploaded: number;
  /** The source's size, when it said. */
  totalBytes: number | null;
  mimeType: string | null;
  /** The resumable upload session, while uploading. */
  uploadUrl: string | null;
  /** The Gemini file (`files/...`) once uploaded, or null for YouTube. */
  fileName: string | null;
  /** What Gemini reads: a Files API URI or the canonical YouTube link. */
  fileUri: string | null;
  /** The answer so far (while generating) or in full (when done). */
  text: string;
  error: string | null;
  usage: JobUsage | null;
}

export function isFinal(job: Pick<Job, "state">): boolean {
  return FINAL_STATES.has(job.state);
}
