/**
 * A tool that may run as a task (the tasks extension of MCP 2026-07-28), as
 * the task methods use it: how a call's arguments become an analysis, and
 * how the finished job becomes the tool's result. The blocking tools and the
 * task path share these, so a task's result is what the same call would have
 * answered.
 * @module
 */
import { type CallToolResult, ProtocolError, ProtocolErrorCode } from "@modelcontextprotocol/server";
import { z } from "zod";
import type { AnalysisInput, Job } from "../jobs/job";
import type { ToolDeps } from "./deps";
import { fitResult } from "./result-size";
import type { ToolDescriptor } from "./tool";
import { toolError } from "./tool-error";

export interface TaskableTool {
  /**
   * The analysis a call asks for: -32602 when the arguments fail the tool's
   * schema (as a blocking call), a `UserFacingError` when they fit together badly.
   */
  analysisFor(args: unknown, deps: Pick<ToolDeps, "defaultModel">): AnalysisInput;
  /** The tool's result for a job that has ended, within `maxResultChars` (MAX_RESULT_CHARS). */
  resultOf(job: Job, maxResultChars: number): CallToolResult;
}

/** The tool as a task, when it may run as one. */
export function taskable({ name, inputSchema, task }: ToolDescriptor): TaskableTool | undefined {
  if (!task) return undefined;
  return {
    analysisFor(args, deps) {
      const parsed = inputSchema.safeParse(args ?? {});
      if (!parsed.success) {
        throw new ProtocolError(
          ProtocolErrorCode.InvalidParams,
          `Input validation error: Invalid arguments for tool ${name}: ${z.prettifyError(parsed.error)}`
        );
      }
      return task.analysisFor(parsed.data, deps);
    },
    resultOf(job, maxResultChars) {
      if (job.state === "done") return fitResult(task.results.done(job), job, maxResultChars);
      if (job.state === "failed" || job.state === "cancelled") return toolError(new Error(job.error));
      throw new Error(`Job ${job.id} has not ended`);
    }
  };
}
