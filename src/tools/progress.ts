/**
 * `notifications/progress` for a tool call that follows a job, when the
 * caller asked for progress.
 * @module
 */
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import type { ServerNotification, ServerRequest } from "@modelcontextprotocol/sdk/types.js";
import type { Job } from "../jobs/job";
import { jobPercent } from "../jobs/progress";

export type ToolExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** Minimum gap between two notifications within one stage. */
export const MIN_PROGRESS_INTERVAL_MS = 250;
/** Longest silence while a job lives, so clients' idle timeouts keep resetting. */
export const PROGRESS_HEARTBEAT_MS = 10_000;

export interface JobProgressReporter {
  /** Reports a change of the job: always on a new stage, else at most every 250 ms. */
  update(job: Job): Promise<void>;
  /** Repeats where the job stands, so the caller knows it is alive. */
  heartbeat(job: Job): Promise<void>;
}

/**
 * `progress` is the job's percentage (`total` 100), nudged up when needed so
 * that it strictly rises with every notification, as the spec requires.
 */
export function createJobProgressReporter(extra: ToolExtra, now: () => number = Date.now): JobProgressReporter {
  const progressToken = extra._meta?.progressToken;
  let last = -1;
  let lastState: string | undefined;
  let lastSentAt = Number.NEGATIVE_INFINITY;

  async function send(job: Job, message: string): Promise<void> {
    if (progressToken === undefined) return;
    const percent = Math.round(jobPercent(job) * 1000) / 1000;
    last = percent > last ? percent : Math.round((last + 0.001) * 1000) / 1000;
    lastState = job.state;
    lastSentAt = now();
    await extra.sendNotification({
      method: "notifications/progress",
      params: { progressToken, progress: last, total: 100, message }
    });
  }

  return {
    async update(job) {
      if (job.state !== lastState || now() - lastSentAt >= MIN_PROGRESS_INTERVAL_MS) {
        await send(job, job.message);
      }
    },
    async heartbeat(job) {
      if (now() - lastSentAt >= PROGRESS_HEARTBEAT_MS) {
        await send(job, `${job.message} (still working, ${Math.round((now() - job.createdAt) / 1000)} s so far)`);
      }
    }
  };
}
