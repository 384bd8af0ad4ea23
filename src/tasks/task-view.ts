/**
 * How a task looks on the wire (SEP-2663): its status from its job's state,
 * a status message with the job's progress (and its estimated cost, then
 * its cost, once known), and, once the job has ended,
 * the tool's result inlined.
 *
 * A job that failed is a tool that ran and reported an error, so its task
 * is `completed` with `result.isError` (as the blocking call answers);
 * `failed` is kept for a task whose job the object no longer has.
 * @module
 */
import type { TaskV2 } from "@modelcontextprotocol/ext-tasks/core/v2";
import { type CallToolResult, ProtocolErrorCode } from "@modelcontextprotocol/server";
import { formatUsd } from "../cost/estimate";
import { isFinal, type Job } from "../jobs/job";
import { shownPercent } from "../jobs/job-progress";
import type { TaskableTool } from "../tools";
import type { TaskRecord } from "./task-store";

/** How often a client should ask again: progress moves about this often while Gemini works. */
export const POLL_INTERVAL_MS = 2000;

/** Where a task's progress rides in its `_meta`, as a progress notification would carry it. */
export const PROGRESS_META_KEY = "gemini-video-mcp/progress";

const iso = (ms: number) => new Date(ms).toISOString();

/** The task's base fields (what `tools/call` answers, and `tasks/get` starts from). */
export function taskOf(record: TaskRecord, job: Job | undefined): TaskV2 {
  const base = {
    taskId: record.id,
    createdAt: iso(record.createdAt),
    lastUpdatedAt: iso(Math.max(record.createdAt, job?.updatedAt ?? 0)),
    ttlMs: record.ttlMs
  };
  if (!job) return { ...base, status: "failed", statusMessage: "The analysis behind this task is gone." };
  if (job.state === "cancelled") return { ...base, status: "cancelled", statusMessage: job.message };
  const { costUsd, estimatedCostUsd } = job.details;
  if (isFinal(job)) {
    const cost = job.state === "done" && costUsd !== undefined ? ` (cost ${formatUsd(costUsd)})` : "";
    return { ...base, status: "completed", statusMessage: `${job.message}${cost}` };
  }
  const percent = shownPercent(job, "text");
  const estimate = estimatedCostUsd !== undefined ? ` (estimated cost ${formatUsd(estimatedCostUsd)})` : "";
  return {
    ...base,
    status: "working",
    statusMessage: `${job.state}, ${percent}%: ${job.message}${estimate}`,
    pollIntervalMs: POLL_INTERVAL_MS
  };
}

/** A task as `tasks/get` answers it (SEP-2663's DetailedTask). */
export type DetailedTask = TaskV2 & {
  result?: CallToolResult & { resultType: "complete" };
  error?: { code: number; message: string };
  _meta?: Record<string, unknown>;
};

/** What `tasks/get` answers: the task, its progress while it works, and its result or error once it ends. */
export function detailedTaskOf(
  record: TaskRecord,
  job: Job | undefined,
  tool: TaskableTool,
  maxResultChars: number
): DetailedTask {
  const task = taskOf(record, job);
  if (!job) return { ...task, error: { code: ProtocolErrorCode.InternalError, message: task.statusMessage ?? "" } };
  // The inlined result is a complete tool result, so it carries its own resultType.
  if (task.status === "completed") return { ...task, result: { ...tool.resultOf(job, maxResultChars), resultType: "complete" } };
  if (task.status === "working") {
    return {
      ...task,
      _meta: { [PROGRESS_META_KEY]: { progress: shownPercent(job, "notification"), total: 100, message: job.message } }
    };
  }
  return task;
}
