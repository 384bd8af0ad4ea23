/**
 * Starts a job for a tool call and follows it, sending progress meanwhile:
 * what every tool that waits for an answer shares.
 * @module
 */
import type { CallToolResult } from "@modelcontextprotocol/server";
import type { Leaving } from "../jobs/job-service";
import { isFinal, type AnalysisInput, type DoneJob, type Job } from "../jobs/job";
import type { ToolDeps } from "./deps";
import { fitResult } from "./result-size";
import { createJobProgressReporter, PROGRESS_HEARTBEAT_MS, type ToolExtra } from "./progress";
import { stillRunningText } from "./still-running";
import { toolError } from "./tool-error";

/** How a tool shows a job: once done, and while it still runs (structured content and all). */
export interface JobResults {
  done(job: DoneJob): CallToolResult;
  running(job: Job): Record<string, unknown>;
}

/**
 * Builds the analysis from the tool's arguments, starts it (or joins the
 * identical one already running), and waits for it within the call's time
 * budget. A finished job becomes the tool's result; one still running after
 * the budget, a normal result saying so with its jobId (it carries on); bad
 * arguments, and a failed or cancelled job, tool errors. A client that
 * cancels the call stops waiting; the job stops only when no caller is left.
 */
export async function answerWhenDone(
  deps: ToolDeps,
  extra: ToolExtra,
  buildInput: () => AnalysisInput,
  results: JobResults
): Promise<CallToolResult> {
  let job: Job;
  try {
    job = await follow(deps, await deps.jobs.start(buildInput()), extra);
  } catch (error) {
    if (extra.mcpReq.signal.aborted) throw error;
    return toolError(error);
  }
  if (!isFinal(job)) {
    return {
      content: [{ type: "text", text: stillRunningText(job, deps.callBudgetMs) }],
      structuredContent: results.running(job)
    };
  }
  if (job.state !== "done") return toolError(new Error("error" in job ? job.error : job.message));
  return fitResult(results.done(job), job, deps.maxResultChars);
}

/**
 * Waits for the job until it ends or the budget runs out, whichever comes
 * first. The budget is the call's wall-clock time, so a plain timer measures
 * it: the object is awake while the call is open.
 */
async function follow(deps: ToolDeps, started: Job, extra: ToolExtra): Promise<Job> {
  let job = started;
  const budget = new AbortController();
  const timer = setTimeout(() => budget.abort(), deps.callBudgetMs);
  const signal = AbortSignal.any([extra.mcpReq.signal, budget.signal]);
  const leave = deps.jobs.follow(job.id);
  let leaving: Leaving = "finished";
  const progress = createJobProgressReporter(extra);
  const unwatch = deps.jobs.watch(job.id, (changed) => void progress.update(changed));
  await progress.update(job);
  try {
    while (!isFinal(job)) {
      job = (await deps.jobs.wait(job.id, PROGRESS_HEARTBEAT_MS, signal)) ?? job;
      if (!isFinal(job)) await progress.heartbeat(job);
    }
  } catch (error) {
    if (!budget.signal.aborted || extra.mcpReq.signal.aborted) {
      void progress.flush(); // drops anything held back
      if (extra.mcpReq.signal.aborted) leaving = "cancelled";
      throw error;
    }
    leaving = "timed-out";
    job = deps.jobs.get(job.id) ?? job;
  } finally {
    clearTimeout(timer);
    unwatch();
    leave(leaving);
  }
  // Nothing held back may go out after the result; what was sent goes first.
  await progress.flush();
  return job;
}
