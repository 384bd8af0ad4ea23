/**
 * Reports every job change of a session object to the console's index (the
 * deployment's one `ConsoleDO`), through the jobs layer's `JobObserver`
 * port. Changes within a stage are sent at most every `PROGRESS_INTERVAL_MS`
 * (the last one always arrives); a new stage and the end are sent at once.
 * What is sent leaves out the resumable upload URL, and the answer until
 * the job is final. A final report the index did not take is sent again
 * after each of `FINAL_RETRY_DELAYS_MS` (a later change repairs a lost
 * earlier one; nothing follows the end).
 * @module
 */
import { deliverWithRetries } from "../http/deliver";
import type { Env } from "../env";
import { isFinal, type Job } from "../jobs/job";
import type { JobObserver } from "../jobs/job-observer";
import { PROGRESS_INTERVAL_MS, shownPercent } from "../jobs/job-progress";

/** Waits before each new attempt at a final report; about a minute in all. */
export const FINAL_RETRY_DELAYS_MS: readonly number[] = [1_000, 4_000, 15_000, 40_000];
/** The name of the deployment's one console object. */
export const CONSOLE_OBJECT_NAME = "console";

/** The console object as `wrangler types` types its binding. */
export type ConsoleStub = ReturnType<Env["CONSOLE"]["get"]>;

/** The deployment's console object. */
export function consoleObject(env: Env): ConsoleStub {
  return env.CONSOLE.get(env.CONSOLE.idFromName(CONSOLE_OBJECT_NAME));
}

/** What the console is told of a job: the job without its upload URL or a partial answer, and how far it is. */
export interface JobReport {
  job: Job;
  /** 0 to 100, as `notifications/progress` reports it (worked out here, where the partial answer is known). */
  percent: number;
}

export function reportOf(job: Job): JobReport {
  const shared = { ...job, uploadUrl: null };
  return { job: shared.state === "generating" ? { ...shared, text: "" } : shared, percent: shownPercent(job, "text") };
}

export class ConsoleReporter implements JobObserver {
  private readonly sent = new Map<string, { at: number; state: Job["state"] }>();
  private readonly pending = new Map<string, { job: Job; timer: ReturnType<typeof setTimeout> }>();

  /** `keepAlive` is given each delivery still retrying (the object's `ctx.waitUntil`). */
  constructor(
    private readonly index: () => ConsoleStub,
    private readonly keepAlive: (delivery: Promise<void>) => void = () => {}
  ) {}

  changed(job: Job): void {
    const last = this.sent.get(job.id);
    const wait = !last || last.state !== job.state || isFinal(job) ? 0 : last.at + PROGRESS_INTERVAL_MS - Date.now();
    if (wait <= 0) {
      this.send(job);
      return;
    }
    const pending = this.pending.get(job.id);
    if (pending) pending.job = job;
    // SAFETY: the entry outlives its timer: `send` clears the timer whenever it deletes the entry.
    else this.pending.set(job.id, { job, timer: setTimeout(() => this.send(this.pending.get(job.id)!.job), wait) });
  }

  private send(job: Job): void {
    const pending = this.pending.get(job.id);
    if (pending) clearTimeout(pending.timer);
    this.pending.delete(job.id);
    if (isFinal(job)) this.sent.delete(job.id);
    else this.sent.set(job.id, { at: Date.now(), state: job.state });
    this.keepAlive(
      deliverWithRetries(
        () => this.index().record(reportOf(job)),
        isFinal(job) ? FINAL_RETRY_DELAYS_MS : [],
        "The console's index missed a job change"
      )
    );
  }
}
