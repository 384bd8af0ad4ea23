/**
 * How a job is shown to clients: the structured output of the job tools,
 * and its text rendering.
 * @module
 */
import { z } from "zod";
import { JOB_STATES, type Job } from "../jobs/job";
import { jobPercent } from "../jobs/progress";

export const jobSnapshotShape = {
  jobId: z.string().describe("Pass to getVideoAnalysis or cancelVideoAnalysis."),
  status: z.enum(JOB_STATES),
  message: z.string().describe("Where the job stands, in words."),
  progress: z.number().describe("Percent of the whole job, 0 to 100."),
  videoUrl: z.string(),
  model: z.string(),
  bytesUploaded: z.number(),
  totalBytes: z.number().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  result: z
    .object({
      text: z.string(),
      usage: z
        .object({
          promptTokenCount: z.number().optional(),
          candidatesTokenCount: z.number().optional(),
          totalTokenCount: z.number().optional()
        })
        .optional()
    })
    .optional()
    .describe("Present once status is done."),
  error: z.string().optional().describe("Present when status is failed or cancelled.")
};

export type JobSnapshot = z.infer<z.ZodObject<typeof jobSnapshotShape>>;

export function toSnapshot(job: Job, { includeText = true } = {}): JobSnapshot {
  return {
    jobId: job.id,
    status: job.state,
    message: job.message,
    progress: Math.round(jobPercent(job) * 10) / 10,
    videoUrl: job.input.videoUrl,
    model: job.input.model,
    bytesUploaded: job.bytesUploaded,
    totalBytes: job.totalBytes,
    createdAt: new Date(job.createdAt).toISOString(),
    updatedAt: new Date(job.updatedAt).toISOString(),
    ...(job.state === "done"
      ? {
          result: {
            text: includeText ? job.text : `${job.text.length} characters; call getVideoAnalysis for the text`,
            ...(job.usage ? { usage: job.usage } : {})
          }
        }
      : {}),
    ...(job.error ? { error: job.error } : {})
  };
}

/** One readable paragraph for the text content of a job tool's result. */
export function describeSnapshot(snapshot: JobSnapshot): string {
  const head = `Job ${snapshot.jobId}: ${snapshot.status} (${snapshot.progress}%) - ${snapshot.message}`;
  if (snapshot.result) return `${head}\n\n${snapshot.result.text}`;
  if (snapshot.error) return `${head}\n\n${snapshot.error}`;
  return head;
}
