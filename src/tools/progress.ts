/**
 * `notifications/progress` for a tool call that follows a job, when the
 * caller asked for progress.
 * @module
 */
import type { ServerContext } from "@modelcontextprotocol/server";
import type { Job } from "../jobs/job";
import { PERCENT_DECIMALS, PROGRESS_INTERVAL_MS, roundPercent, shownPercent } from "../jobs/job-progress";

export type ToolExtra = ServerContext;

/** Longest silence while a job lives, so clients' idle timeouts keep resetting. */
export const PROGRESS_HEARTBEAT_MS = 10_000;

export interface JobProgressReporter {
  /**
   * Reports a change of the job: a new kind of message at once, more of the
   * same at most every `PROGRESS_INTERVAL_MS` (100 ms); a change held back is
   * sent when its time is up, unless a newer one went first.
   */
  update(job: Job): Promise<void>;
  /** Repeats where the job stands, so the caller knows it is alive. */
  heartbeat(job: Job): Promise<void>;
  /** Drops any held-back change and resolves once every notification so far has been handed to the transport. */
  flush(): Promise<void>;
}

/** Time for the reporter: `later` runs `task` after `ms` and returns a cancel function. */
export interface ReporterClock {
  now(): number;
  later(ms: number, task: () => void): () => void;
}

const SYSTEM_CLOCK: ReporterClock = {
  now: () => Date.now(),
  later: (ms, task) => {
    const timer = setTimeout(task, ms);
    return () => clearTimeout(timer);
  }
};

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
export function createJobProgressReporter(extra: ToolExtra, clock: ReporterClock = SYSTEM_CLOCK): JobProgressReporter {
  const progressToken = extra.mcpReq._meta?.progressToken;
  const now = () => clock.now();
  let last = -1;
  let lastKind: string | undefined;
  let lastSentAt = Number.NEGATIVE_INFINITY;
  // Notifications go out one after another, so none can overtake another or the result.
  let sent: Promise<void> = Promise.resolve();
  let held: Job | undefined;
  let cancelHeld: (() => void) | undefined;

  function dropHeld(): void {
    cancelHeld?.();
    cancelHeld = undefined;
    held = undefined;
  }

  function send(job: Job, message: string): Promise<void> {
    dropHeld();
    if (progressToken === undefined) return sent;
    const percent = shownPercent(job, "notification");
    last = percent > last ? percent : roundPercent(last + 10 ** -PERCENT_DECIMALS.notification, PERCENT_DECIMALS.notification);
    lastKind = messageKind(job.message);
    lastSentAt = now();
    const params = { progressToken, progress: last, total: 100, message };
    sent = sent.then(() => extra.mcpReq.notify({ method: "notifications/progress", params })).catch(() => {});
    return sent;
  }

  return {
    async update(job) {
      const waitMs = lastSentAt + PROGRESS_INTERVAL_MS - now();
      if (messageKind(job.message) !== lastKind || waitMs <= 0) {
        await send(job, job.message);
        return;
      }
      held = job;
      cancelHeld ??= clock.later(waitMs, () => {
        cancelHeld = undefined;
        if (held) void send(held, held.message);
      });
    },
    async heartbeat(job) {
      if (now() - lastSentAt >= PROGRESS_HEARTBEAT_MS) {
        await send(job, `${job.message} (still working, ${Math.round((now() - job.createdAt) / 1000)} s so far)`);
      }
    },
    flush: () => {
      dropHeld();
      return sent;
    }
  };
}
