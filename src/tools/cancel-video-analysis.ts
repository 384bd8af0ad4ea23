/**
 * `cancelVideoAnalysis`: stops a job and deletes what it uploaded.
 * @module
 */
import { z } from "zod";
import { jobSnapshotShape } from "./job-snapshot";
import { jobIdShape, snapshotResult, unknownJob } from "./job-tools";
import { defineTool } from "./tool";

export const cancelVideoAnalysis = defineTool({
  name: "cancelVideoAnalysis",
  title: "Cancel a video analysis",
  description:
    "Stops a job: the download, upload or generation is aborted and the video uploaded to Gemini for it is deleted (unless another running job reads it).",
  inputSchema: z.object(jobIdShape),
  outputSchema: z.object(jobSnapshotShape),
  annotations: { destructiveHint: true, idempotentHint: true },
  instructions: "cancelVideoAnalysis stops a job.",
  async call({ jobId }, _ctx, deps) {
    const job = await deps.jobs.cancel(jobId);
    if (!job) return unknownJob(jobId);
    return snapshotResult((await deps.jobs.wait(jobId, 10_000)) ?? job);
  }
});
