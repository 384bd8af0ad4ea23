/**
 * `getVideoAnalysis`: a job's status, progress and answer, waiting for it
 * a while when asked to.
 * @module
 */
import { z } from "zod";
import { jobSnapshotShape } from "./job-snapshot";
import { jobIdShape, MAX_WAIT_SECONDS, snapshotResult, unknownJob } from "./job-tools";
import { VIEWER_TOOL_META } from "../viewer/viewer-meta";
import { defineTool } from "./tool";

export const getVideoAnalysis = defineTool({
  name: "getVideoAnalysis",
  title: "Get a video analysis",
  description:
    "Status, stage, progress and, once done, the answer of a job started by startVideoAnalysis or analyzeRemoteVideo. With waitSeconds it waits up to that long (within the server's time budget for a call) for the job to finish.",
  inputSchema: z.object({
    ...jobIdShape,
    waitSeconds: z
      .number({ error: "waitSeconds must be a finite number" })
      .min(0, "waitSeconds must not be negative")
      .max(MAX_WAIT_SECONDS, `waitSeconds must be at most ${MAX_WAIT_SECONDS}`)
      .optional()
      .describe(`Wait up to this many seconds (at most ${MAX_WAIT_SECONDS}) for the job to finish. Default 0.`)
  }),
  outputSchema: z.object(jobSnapshotShape),
  annotations: { readOnlyHint: true },
  ui: VIEWER_TOOL_META,
  instructions: "getVideoAnalysis (with waitSeconds) collects the answer.",
  async call({ jobId, waitSeconds }, ctx, deps) {
    const waitMs = Math.min((waitSeconds ?? 0) * 1000, deps.callBudgetMs);
    const job = await deps.jobs.wait(jobId, waitMs, ctx.mcpReq.signal);
    return job ? snapshotResult(job) : unknownJob(jobId);
  }
});
