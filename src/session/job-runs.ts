/**
 * The jobs' durable runs on agents Tasks: one definition, whose handler is
 * `JobManager.runTask`, and the `JobRuns` port over it. A run's id is its
 * job's; its idempotency key is the request's (see `JobManager.start`).
 * Settled runs are not kept (`retain: false`): the job's row is the record,
 * and an identical request made after one ended starts afresh.
 * @module
 */
import type { Tasks, TaskStep } from "agents/tasks";
import type { JobRuns } from "../jobs/job-service";

/** The Task definition of an analysis; a new version gets a new name, so runs in flight keep their steps. */
export const ANALYSIS_TASK = "video-analysis@v1";

export type AnalysisTasks = Tasks<{ [ANALYSIS_TASK]: (input: { jobId: string }, step: TaskStep) => Promise<void> }>;

const SETTLED: ReadonlySet<string> = new Set(["completed", "failed", "cancelled"]);

export function jobRunsOn(tasks: AnalysisTasks): JobRuns {
  return {
    start: async (jobId, key) =>
      (await tasks.run(ANALYSIS_TASK, { jobId }, { runId: jobId, idempotencyKey: key, retain: false })).runId,
    find: async (key) => {
      const run = await tasks.getByIdempotencyKey(key);
      return run && !SETTLED.has(run.state) ? run.runId : undefined;
    },
    isLive: async (jobId) => {
      const run = await tasks.get(jobId);
      return run !== null && !SETTLED.has(run.state);
    },
    cancel: async (jobId, reason) => {
      await tasks.cancel(jobId, reason);
    }
  };
}
