/**
 * The session's timers as jobs on agents' Lifecycle queue: named deadlines
 * (the ping, idle expiry, the jobs' heartbeat) and the in-memory waits of calls and steps (a
 * blocking call's wait for its job, retry backoffs inside a step), all on
 * the one alarm Lifecycle derives from its queue, beside the Task runs'.
 *
 * A named deadline is a host job whose id is its name, so setting it again
 * moves it. A wait is a host job that wakes a promise held in memory; a
 * restart forgets the promise, and its job then fires into nothing (the
 * step it belonged to is replayed by Tasks).
 *
 * ## Why host jobs, not agents' `Scheduler`
 * `Scheduler` is a vocabulary over this same queue (each schedule is one
 * queue job), but it keeps whole seconds (`Math.floor(ms / 1e3)`), so a
 * RetryInfo wait of 1.5 s could end early; and it has no set-by-name, so
 * moving a deadline would be list, cancel and insert. The host's
 * `lifecycle.jobs` takes milliseconds and replaces a job pushed with the
 * same id.
 * @module
 */
import type { LifecycleJob, LifecycleJobs } from "agents/lifecycle";
import type { JobTimers } from "../jobs/job-service";
import type { PingTimer } from "../transport/legacy-sse";

/** The `fn` of the queue jobs that end a sleep. */
const WAKE = "wake";

export class SessionTimers implements JobTimers, PingTimer {
  private readonly sleepers = new Map<string, () => void>();

  /** `queue` is the host's `lifecycle.jobs` (a getter: Lifecycle hands it out once installed). */
  constructor(private readonly queue: () => LifecycleJobs) {}

  has(name: string): boolean {
    return this.queue().get(name) !== undefined;
  }

  /** Sets (or moves) the named deadline; the host's `onJob` hears of it through `due()`. */
  async set(name: string, at: number): Promise<void> {
    await this.queue().push({ id: name, fn: name, time: at });
  }

  /** Resolves after `ms`, woken by the alarm; rejects when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const id = `${WAKE}:${crypto.randomUUID()}`;
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        this.sleepers.delete(id);
        reject(signal?.reason);
        void this.queue().cancel(id);
      };
      this.sleepers.set(id, () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      });
      signal?.addEventListener("abort", onAbort, { once: true });
      this.queue()
        .push({ id, fn: WAKE, time: Date.now() + Math.max(0, ms) })
        .catch((error: unknown) => {
          this.sleepers.delete(id);
          reject(error);
        });
    });
  }

  /**
   * For the host's `onJob`: ends the sleep a job stands for, or returns the
   * name of the deadline that came due.
   */
  due(job: LifecycleJob): string | undefined {
    if (job.fn !== WAKE) return job.fn;
    const wake = this.sleepers.get(job.id);
    this.sleepers.delete(job.id);
    wake?.();
    return undefined;
  }

  /** Forgets the sleepers, for a session that ends (its queue goes with its storage). */
  reset(): void {
    this.sleepers.clear();
  }
}
