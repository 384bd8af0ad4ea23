/**
 * Starts a job for a tool call and follows it to the end, sending progress
 * meanwhile: what every tool that waits for an answer shares.
 * @module
 */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { isFinal, type AnalysisInput, type Job } from "../jobs/job";
import type { ToolDeps } from "./deps";
import { createJobProgressReporter, PROGRESS_HEARTBEAT_MS, type ToolExtra } from "./progress";
import { toolError } from "./tool-error";

/**
 * Builds the analysis from the tool's arguments, starts it (or joins the
 * identical one already running), waits for it and turns the finished job
 * into the tool's result. Bad arguments, and a failed or cancelled job, come
 * back as tool errors; a client that cancels the call cancels the job.
 */
export async function answerWhenDone(
  deps: ToolDeps,
  extra: ToolExtra,
  buildInput: () => AnalysisInput,
  toResult: (job: Job) => CallToolResult
): Promise<CallToolResult> {
  let job: Job;
  try {
    job = await follow(deps, deps.jobs.start(buildInput()), extra);
  } catch (error) {
    if (extra.signal.aborted) throw error;
    return toolError(error);
  }
  if (job.state !== "done") return toolError(new Error(job.error ?? job.message));
  return toResult(job);
}

async function follow(deps: ToolDeps, started: Job, extra: ToolExtra): Promise<Job> {
  let job = started;
  const progress = createJobProgressReporter(extra);
  const unwatch = deps.jobs.watch(job.id, (changed) => void progress.update(changed));
  await progress.update(job);
  try {
    while (!isFinal(job)) {
      job = (await deps.jobs.wait(job.id, PROGRESS_HEARTBEAT_MS, extra.signal)) ?? job;
      if (!isFinal(job)) await progress.heartbeat(job);
    }
  } catch (error) {
    void progress.flush(); // drops anything held back
    if (extra.signal.aborted) await deps.jobs.cancel(job.id, "the client cancelled the request");
    throw error;
  } finally {
    unwatch();
  }
  // Nothing held back may go out after the result; what was sent goes first.
  await progress.flush();
  return job;
}
