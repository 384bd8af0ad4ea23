/**
 * The ports the jobs layer offers and needs, owned here so that the layers
 * above (tools, the session object) import them downward: `JobService` is
 * what the tools call, `JobTimers` and `JobRuns` are what the jobs need from
 * their host.
 * @module
 */
import type { AnalysisInput, Job } from "./job";

/** How a caller stopped waiting for a job: it ended, the caller cancelled, or the call's time budget ran out. */
export type Leaving = "finished" | "cancelled" | "timed-out";

/** The session's jobs, as the tools see them (see `JobManager`). */
export interface JobService {
  /** Starts a job, or joins the identical one running; `background` jobs run on without callers. */
  start(input: AnalysisInput, options?: { background?: boolean }): Promise<Job>;
  get(jobId: string): Job | undefined;
  list(): Job[];
  watch(jobId: string, listener: (job: Job) => void): () => void;
  wait(jobId: string, timeoutMs: number, signal?: AbortSignal): Promise<Job | undefined>;
  /** A blocking call waits for the job; call the returned function when it stops waiting. */
  follow(jobId: string): (leaving: Leaving) => void;
  /** Stops the job and deletes its upload. */
  cancel(jobId: string, reason?: string): Promise<Job | undefined>;
}

/** The timers the jobs wait on, provided by the object that hosts them (its alarm). */
export interface JobTimers {
  /** Sets (or moves) the named deadline; the host calls `JobManager.heartbeat()` when `JOB_HEARTBEAT` is due. */
  set(name: string, at: number): Promise<void>;
  /** Resolves after `ms`, woken by the alarm; rejects when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * The durable runs the jobs execute on, provided by the object that hosts
 * them (agents Tasks): one run per job, its id the job's, whose handler
 * calls `JobManager.runTask`.
 */
export interface JobRuns {
  /**
   * Starts the run of a stored job. A live run started with the same `key`
   * (an identical request) is joined instead: resolves with the id of the
   * job whose run it is.
   */
  start(jobId: string, key: string): Promise<string>;
  /** The job whose live run was started with `key`, if any. */
  find(key: string): Promise<string | undefined>;
  /** True while the job's run has not settled. */
  isLive(jobId: string): Promise<boolean>;
  /** Cancels the run: a parked one settles at once, a running one's step is aborted. */
  cancel(jobId: string, reason: string): Promise<void>;
}

/** When `JobManager.releaseFile` may delete a Gemini file. */
export interface ReleaseFileOptions {
  /** The job letting the file go: its own use does not count. */
  exceptJobId?: string;
  /** Delete a file kept for follow-up questions too (a cancel, the session's end). */
  evenIfKept?: boolean;
  /** Delete it even while a live job reads it: only for the session's end, which ends every job. */
  evenIfInUse?: boolean;
}
