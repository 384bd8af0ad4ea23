/**
 * `listVideoAnalyses`: this session's jobs, newest first, and the
 * deployment's uploads still alive (every caller is the owner), so an
 * upload shows before any analysis names it.
 * @module
 */
import { z } from "zod";
import { bytesPercent } from "../jobs/job-progress";
import { jobSnapshotShape, toSnapshot } from "./job-snapshot";
import { defineTool } from "./tool";

const uploadShape = {
  uploadId: z.string(),
  videoUrl: z.string().describe('What an analysis takes as its video: "upload:<uploadId>".'),
  fileName: z.string(),
  sizeBytes: z.number().nullable().describe("The file's size; null until the uploader says it."),
  bytesReceived: z.number().describe("Bytes Gemini has acknowledged."),
  state: z.enum(["uploading", "complete", "expired", "deleted"]),
  progress: z.number().describe("0 to 100."),
  expiresAt: z.string().describe("ISO time the upload and its Gemini file go.")
};

export const listVideoAnalyses = defineTool({
  name: "listVideoAnalyses",
  title: "List video analyses",
  description:
    "This session's jobs, newest first (answers abridged; use getVideoAnalysis for the text), and the uploads (createVideoUpload, the console) not yet expired or deleted, with their progress.",
  inputSchema: z.object({}),
  outputSchema: z.object({
    jobs: z.array(z.object(jobSnapshotShape)),
    uploads: z.array(z.object(uploadShape)).optional().describe("The deployment's uploads still alive, newest first.")
  }),
  annotations: { readOnlyHint: true },
  instructions: "listVideoAnalyses lists this session's jobs and the uploads still alive.",
  async call(_args, _ctx, deps) {
    const jobs = deps.jobs.list().map((job) => toSnapshot(job, { includeText: false }));
    const uploads = (await deps.uploads.list()).map((upload) => ({
      uploadId: upload.uploadId,
      videoUrl: upload.videoUrl,
      fileName: upload.fileName,
      sizeBytes: upload.sizeBytes,
      bytesReceived: upload.bytesReceived,
      state: upload.state,
      progress:
        upload.state === "complete"
          ? 100
          : upload.sizeBytes
            ? bytesPercent(upload.bytesReceived, upload.sizeBytes, "snapshot")
            : 0,
      expiresAt: new Date(upload.expiresAt).toISOString()
    }));
    const lines = [
      ...jobs.map((job) => `${job.jobId}: ${job.status} (${job.progress}%) ${job.videoUrl}`),
      ...uploads.map((upload) => `${upload.videoUrl}: ${upload.state} (${upload.progress}%) ${upload.fileName}`)
    ];
    const text = lines.length ? lines.join("\n") : "No video analyses in this session yet.";
    return { content: [{ type: "text", text }], structuredContent: uploads.length ? { jobs, uploads } : { jobs } };
  }
});
