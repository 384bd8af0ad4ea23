/**
 * Call now, fetch later: `startVideoAnalysis`, `getVideoAnalysis`,
 * `cancelVideoAnalysis` and `listVideoAnalyses`.
 * @module
 */
import type { McpServer, CallToolResult } from "@modelcontextprotocol/server";
import { z } from "zod";
import type { Job } from "../jobs/job";
import type { ToolDeps } from "./deps";
import { describeSnapshot, jobSnapshotShape, toSnapshot } from "./job-snapshot";
import { toolError } from "./tool-error";
import { DEFAULT_PROMPT, toAnalysisInput, videoInputShape } from "./video-input";

export const MAX_WAIT_SECONDS = 300;

/**
 * 2026-era HTTP clients copy the jobId into an `Mcp-Param-JobId` header
 * (SEP-2243), so what sits in front of the server can route by job without
 * reading the body; the SDK refuses a header that disagrees with the body.
 */
const jobIdShape = {
  jobId: z.string().min(1).describe("The jobId startVideoAnalysis returned.").meta({ "x-mcp-header": "JobId" })
};

function snapshotResult(job: Job): CallToolResult {
  const snapshot = toSnapshot(job);
  return { content: [{ type: "text", text: describeSnapshot(snapshot) }], structuredContent: snapshot };
}

function unknownJob(jobId: string): CallToolResult {
  return toolError(
    new Error(`No job ${jobId}. Check the jobId that startVideoAnalysis returned; listVideoAnalyses shows this session's jobs.`)
  );
}

export function registerJobTools(server: McpServer, deps: ToolDeps): void {
  server.registerTool(
    "startVideoAnalysis",
    {
      title: "Start a video analysis",
      description:
        "Starts the same analysis as analyzeRemoteVideo (same options) in the background and returns a jobId at once. Collect the answer with getVideoAnalysis (it can wait for it).",
      inputSchema: z.object(videoInputShape),
      outputSchema: z.object(jobSnapshotShape),
      annotations: { readOnlyHint: false, openWorldHint: true }
    },
    async ({ videoUrl, prompt, ...options }) => {
      try {
        const input = toAnalysisInput(videoUrl, prompt ?? DEFAULT_PROMPT, options, { model: deps.defaultModel });
        return snapshotResult(await deps.jobs.start(input, { background: true }));
      } catch (error) {
        return toolError(error);
      }
    }
  );

  server.registerTool(
    "getVideoAnalysis",
    {
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
      annotations: { readOnlyHint: true }
    },
    async ({ jobId, waitSeconds }, ctx) => {
      const waitMs = Math.min((waitSeconds ?? 0) * 1000, deps.callBudgetMs);
      const job = await deps.jobs.wait(jobId, waitMs, ctx.mcpReq.signal);
      return job ? snapshotResult(job) : unknownJob(jobId);
    }
  );

  server.registerTool(
    "cancelVideoAnalysis",
    {
      title: "Cancel a video analysis",
      description:
        "Stops a job: the download, upload or generation is aborted and the video uploaded to Gemini for it is deleted (unless another running job reads it).",
      inputSchema: z.object(jobIdShape),
      outputSchema: z.object(jobSnapshotShape),
      annotations: { destructiveHint: true, idempotentHint: true }
    },
    async ({ jobId }) => {
      const job = await deps.jobs.cancel(jobId);
      if (!job) return unknownJob(jobId);
      return snapshotResult((await deps.jobs.wait(jobId, 10_000)) ?? job);
    }
  );

  server.registerTool(
    "listVideoAnalyses",
    {
      title: "List video analyses",
      description: "This session's jobs, newest first (answers abridged; use getVideoAnalysis for the text).",
      inputSchema: z.object({}),
      outputSchema: z.object({ jobs: z.array(z.object(jobSnapshotShape)) }),
      annotations: { readOnlyHint: true }
    },
    async () => {
      const jobs = deps.jobs.list().map((job) => toSnapshot(job, { includeText: false }));
      const text = jobs.length
        ? jobs.map((job) => `${job.jobId}: ${job.status} (${job.progress}%) ${job.videoUrl}`).join("\n")
        : "No video analyses in this session yet.";
      return { content: [{ type: "text", text }], structuredContent: { jobs } };
    }
  );
}
