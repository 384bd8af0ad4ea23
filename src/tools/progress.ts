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
  /** Reports a change of the job: a new kind of message at once, more of the same at most every 250 ms. */
  update(job: Job): Promise<void>;
  /** Repeats where the job stands, so the caller knows it is alive. */
  heartbeat(job: Job): Promise<void>;
  /** Resolves once every notification so far has been handed to the transport. */
  flush(): Promise<void>;
}

/**
 * A message with its numbers taken out: "uploading 8.4 / 21.0 MB" and
 * "uploading 16.8 / 21.0 MB" are one kind, so only those are throttled; a new
 * stage or a retry notice is a new kind and is always sent.
 */
function messageKind(message: string): string {
  return message.replace(/[\d.,]+/g, "#");
}

/**
 * `progress` is the job's percentage (`total` 100), nudged up when needed so
 * that it strictly rises with every notification, as the spec requires.
 */
export function createJobProgressReporter(extra: ToolExtra, now: () => number = Date.now): JobProgressReporter {
  const progressToken = extra._meta?.progressToken;
  let last = -1;
  let lastKind: string | undefined;
  let lastSentAt = Number.NEGATIVE_INFINITY;
  // Notifications go out one after another, so none can overtake another or the result.
  let sent: Promise<void> = Promise.resolve();

  function send(job: Job, message: string): Promise<void> {
    if (progressToken === undefined) return sent;
    const percent = Math.round(jobPercent(job) * 1000) / 1000;
    last = percent > last ? percent : Math.round((last + 0.001) * 1000) / 1000;
    lastKind = messageKind(job.message);
    lastSentAt = now();
    const params = { progressToken, progress: last, total: 100, message };
    sent = sent.then(() => extra.sendNotification({ method: "notifications/progress", params })).catch(() => {});
    return sent;
  }

  return {
    async update(job) {
      if (messageKind(job.message) !== lastKind || now() - lastSentAt >= MIN_PROGRESS_INTERVAL_MS) {
        await send(job, job.message);
      }
    },
    async heartbeat(job) {
      if (now() - lastSentAt >= PROGRESS_HEARTBEAT_MS) {
        await send(job, `${job.message} (still working, ${Math.round((now() - job.createdAt) / 1000)} s so far)`);
      }
    },
    flush: () => sent
  };
}
