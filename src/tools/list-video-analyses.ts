/**
 * `listVideoAnalyses`: this session's jobs, newest first.
 * @module
 */
import { z } from "zod";
import { jobSnapshotShape, toSnapshot } from "./job-snapshot";
import { defineTool } from "./tool";

export const listVideoAnalyses = defineTool({
  name: "listVideoAnalyses",
  title: "List video analyses",
  description: "This session's jobs, newest first (answers abridged; use getVideoAnalysis for the text).",
  inputSchema: z.object({}),
  outputSchema: z.object({ jobs: z.array(z.object(jobSnapshotShape)) }),
  annotations: { readOnlyHint: true },
  instructions: "listVideoAnalyses lists this session's jobs.",
  async call(_args, _ctx, deps) {
    const jobs = deps.jobs.list().map((job) => toSnapshot(job, { includeText: false }));
    const text = jobs.length
      ? jobs.map((job) => `${job.jobId}: ${job.status} (${job.progress}%) ${job.videoUrl}`).join("\n")
      : "No video analyses in this session yet.";
    return { content: [{ type: "text", text }], structuredContent: { jobs } };
  }
});
