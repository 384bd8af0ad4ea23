/**
 * `getVideoAnalysis`: a job's status, progress and answer, waiting for it
 * a while when asked to; a finished transcript page by page (`from`, `limit`).
 * @module
 */
import { z } from "zod";
import type { DoneJob } from "../jobs/job";
import { jobSnapshotShape } from "./job-snapshot";
import { jobIdShape, MAX_WAIT_SECONDS, snapshotResult, unknownJob } from "./job-tools";
import { fitResult, resultSize } from "./result-size";
import { VIEWER_TOOL_META } from "../viewer/viewer-meta";
import { defineTool } from "./tool";
import { toolError } from "./tool-error";
import { pageInputShape, pageOutputShape, transcriptPage } from "./transcript-page";

const isTranscript = (job: DoneJob) => job.input.format === "transcript";

export const getVideoAnalysis = defineTool({
  name: "getVideoAnalysis",
  title: "Get a video analysis",
  description:
    "Status, stage, progress and, once done, the answer of a job started by startVideoAnalysis or analyzeRemoteVideo. With waitSeconds it waits up to that long (within the server's time budget for a call) for the job to finish. A finished transcript too long for one result comes in pages: from (the first segment, from 0) and limit.",
  inputSchema: z.object({
    ...jobIdShape,
    waitSeconds: z
      .number({ error: "waitSeconds must be a finite number" })
      .min(0, "waitSeconds must not be negative")
      .max(MAX_WAIT_SECONDS, `waitSeconds must be at most ${MAX_WAIT_SECONDS}`)
      .optional()
      .describe(`Wait up to this many seconds (at most ${MAX_WAIT_SECONDS}) for the job to finish. Default 0.`),
    ...pageInputShape
  }),
  outputSchema: z.object({ ...jobSnapshotShape, ...pageOutputShape }),
  annotations: { readOnlyHint: true },
  ui: VIEWER_TOOL_META,
  instructions:
    "getVideoAnalysis (with waitSeconds) collects the answer; with from and limit it pages a transcript too long for one result, whose whole files are also linked as resources.",
  async call({ jobId, waitSeconds, from, limit }, ctx, deps) {
    const waitMs = Math.min((waitSeconds ?? 0) * 1000, deps.callBudgetMs);
    const job = await deps.jobs.wait(jobId, waitMs, ctx.mcpReq.signal);
    if (!job) return unknownJob(jobId);
    if (job.state !== "done") return snapshotResult(job);
    const paging = from !== undefined || limit !== undefined;
    const whole = snapshotResult(job);
    if (isTranscript(job) && (paging || resultSize(whole) > deps.maxResultChars)) {
      return transcriptPage(job, from ?? 0, limit, deps.maxResultChars);
    }
    if (paging) {
      return toolError(
        new Error(
          `from and limit page a transcript; job ${jobId} has a ${job.input.format ?? "text"} answer. Leave them out, or read the whole answer as a resource.`
        )
      );
    }
    return fitResult(whole, job, deps.maxResultChars);
  }
});
