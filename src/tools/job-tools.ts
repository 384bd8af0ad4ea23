/**
 * What the call-now, fetch-later tools (`startVideoAnalysis`,
 * `getVideoAnalysis`, `cancelVideoAnalysis`, `listVideoAnalyses`) share:
 * the jobId argument, a job as their result, and the error for an unknown job.
 * @module
 */
import type { CallToolResult } from "@modelcontextprotocol/server";
import { z } from "zod";
import type { Job } from "../jobs/job";
import { describeSnapshot, toSnapshot } from "./job-snapshot";
import { toolError } from "./tool-error";

export const MAX_WAIT_SECONDS = 300;

/**
 * 2026-era HTTP clients copy the jobId into an `Mcp-Param-JobId` header
 * (SEP-2243), so what sits in front of the server can route by job without
 * reading the body; the SDK refuses a header that disagrees with the body.
 */
export const jobIdShape = {
  jobId: z.string().min(1).describe("The jobId startVideoAnalysis returned.").meta({ "x-mcp-header": "JobId" })
};

export function snapshotResult(job: Job): CallToolResult {
  const snapshot = toSnapshot(job);
  return { content: [{ type: "text", text: describeSnapshot(snapshot) }], structuredContent: snapshot };
}

export function unknownJob(jobId: string): CallToolResult {
  return toolError(
    new Error(`No job ${jobId}. Check the jobId that startVideoAnalysis returned; listVideoAnalyses shows this session's jobs.`)
  );
}
