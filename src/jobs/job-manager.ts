/**
 * The session's analysis jobs: starts them, lets callers wait on them and
 * watch their progress, and cancels them. Each job runs as a durable run
 * (agents Tasks, through the `JobRuns` port; see `run-job.ts` for its
 * stages), and its row says where it is and what it has done.
 *
 * ## Lifecycle
 * A run survives restarts: Tasks resumes it from its journal when the
 * object starts, which the heartbeat timer makes sure of while jobs are
 * active. `resume()` (at start) gives a run to an active job that has none
 * (one stored by an earlier version, or whose run Tasks gave up).
 *
 * ## Callers
 * Blocking tool calls `follow` the job they wait for. When the last caller
 * cancels (a client's timeout), the job stops but keeps what Gemini has of
 * the video, and the same request made again carries on from there (a new
 * job resuming the upload). Background jobs (startVideoAnalysis, or a call
 * that ran past its budget) run on without callers. `cancel` stops a job
 * and deletes its upload.
 *
 * Files Gemini processed are kept for follow-up questions (`VideoFiles`)
 * and deleted when the session ends.
 * @module
 */
import { UserFacingError } from "../errors";
import { createGeminiClient } from "../gemini/client";
import { deleteVideoCache } from "../gemini/caches";
import { deleteGeminiFile } from "../gemini/delete-file";
import type { TaskStep } from "agents/tasks";
import { isFinal, type AnalysisInput, type Job } from "./job";
import type { JobContext, JobPorts } from "./job-context";
import { newJobId } from "./job-id";
import type { JobObserver } from "./job-observer";
import type { JobRuns, JobTimers, Leaving, ReleaseFileOptions } from "./job-service";
import { JobStop } from "./job-stop";
import type { JobUpdate } from "./job-store";
import { endCancelled, runJob } from "./run-job";
import { checkVideoSource } from "./source-check";
/** Analyses one session may run at once; each holds a download, an upload and a Gemini stream. */
export const MAX_ACTIVE_JOBS = 4;

/**
 * While jobs are active the object is woken every JOB_HEARTBEAT_MS: after a
 * restart with no request to come, that wake starts it, and Tasks resumes
 * the runs. The host calls `heartbeat()` when the timer is due.
 */
export const JOB_HEARTBEAT = "jobs";
export const JOB_HEARTBEAT_MS = 20_000;

/** Raised when a session asks for more analyses than it may run at once. */
export class JobLimitError extends UserFacingError {
  constructor() {
    super(
      `This session is already running ${MAX_ACTIVE_JOBS} analyses, the most it may run at once. Wait for one to finish (getVideoAnalysis with waitSeconds) or cancel one (cancelVideoAnalysis), then try again.`
    );
    this.name = "JobLimitError";
  }
}

export type JobListener = (job: Job) => void;

export type { Leaving };

export interface JobManagerOptions extends JobPorts {
  /** The session these jobs belong to (known once a request names it). */
  sessionId(): string;
  timers: JobTimers;
  runs: JobRuns;
  /** Told of every change of every job. */
  observer?: JobObserver;
}

const canonical = (input: AnalysisInput) => JSON.stringify(Object.entries(input).sort(([x], [y]) => x.localeCompare(y)));

function sameInput(a: AnalysisInput, b: AnalysisInput): boolean {
  return canonical(a) === canonical(b);
}

/** The idempotency key of a request: identical requests (a client retrying) join one run. */
async function requestKey(input: AnalysisInput): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(canonical(input)));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

export class JobManager {
  /** The attempt of each job's run executing in this object now (none while it sleeps). */
  private readonly attempts = new Map<string, Promise<void>>();
  /** Jobs being stopped, until their run has settled. */
  private readonly stopping = new Map<string, Promise<Job>>();
  /** Blocking calls waiting for each job. */
  private readonly callers = new Map<string, number>();
  private readonly listeners = new Map<string, Set<JobListener>>();
  private readonly context: JobContext;

  constructor(private readonly options: JobManagerOptions) {
    this.context = {
      ...options,
      sleep: (ms, signal) => options.timers.sleep(ms, signal),
      changed: (job) => this.notify(job),
      releaseFile: (fileName, releaseOptions) => this.releaseFile(fileName, releaseOptions),
      dropCaches: (names) => this.dropCaches(names)
    };
  }

  /**
   * Checks the URL, creates a job and starts running it; returns it as first
   * stored. The same request while an identical one is still running (a
   * client retrying after a timeout) gets that job instead of a second upload;
   * one whose identical predecessor was stopped when its caller left carries
   * on from that one's upload. `background` jobs run on without callers.
   * Throws `VideoUrlError` for a URL no job could use, `JobLimitError` past
   * MAX_ACTIVE_JOBS.
   */
  async start(input: AnalysisInput, { background = false } = {}): Promise<Job> {
    checkVideoSource(input.source, this.options.allowPrivateVideoUrls);
    for (const video of input.videos ?? []) checkVideoSource(video.source, this.options.allowPrivateVideoUrls);
    // An identical job on its way out (its caller just left) is not joined: it ends first, then is carried on.
    const stopping = [...this.stopping].filter(([jobId]) => {
      const job = this.get(jobId);
      return job !== undefined && sameInput(job.input, input);
    });
    await Promise.allSettled(stopping.map(([, stopped]) => stopped));
    const key = await requestKey(input);
    const running = await this.options.runs.find(key);
    const same = running === undefined ? undefined : this.get(running);
    if (same && !isFinal(same)) return background ? this.runInBackground(same) : same;
    if (this.options.store.active().length >= MAX_ACTIVE_JOBS) throw new JobLimitError();
    const created = this.options.store.create(newJobId(this.options.sessionId()), input);
    const job = this.carryOn(created, background);
    this.notify(job);
    const runner = await this.options.runs.start(job.id, key);
    if (runner === job.id) return job;
    // An identical request started a run in the meantime: this job joins it and ends.
    this.update(job.id, { state: "cancelled", message: "cancelled", error: `Cancelled: joined job ${runner}` });
    // SAFETY: `runs.start` answers the id of a stored job whose run it is.
    const joined = this.get(runner)!;
    return background ? this.runInBackground(joined) : joined;
  }

  /** The handler of a job's Task run (one attempt: the steps it gets through before it sleeps or ends). */
  async runTask(jobId: string, task: TaskStep): Promise<void> {
    // Past the current microtasks, so the caller of start() can watch the job's first steps.
    await new Promise((resolve) => setTimeout(resolve, 0));
    await this.heartbeat();
    const attempt = runJob(this.context, jobId, task);
    this.attempts.set(jobId, attempt);
    try {
      await attempt;
    } finally {
      if (this.attempts.get(jobId) === attempt) this.attempts.delete(jobId);
    }
  }

  /**
   * A caller starts waiting for the job; the returned function says how it
   * stopped. The last caller to cancel stops the job (unless it runs in the
   * background), keeping its upload for a retry; a caller out of time leaves
   * the job running in the background.
   */
  follow(jobId: string): (leaving: Leaving) => void {
    this.callers.set(jobId, (this.callers.get(jobId) ?? 0) + 1);
    let left = false;
    return (leaving) => {
      if (left) return;
      left = true;
      const remaining = (this.callers.get(jobId) ?? 1) - 1;
      if (remaining > 0) this.callers.set(jobId, remaining);
      else this.callers.delete(jobId);
      const job = this.get(jobId);
      if (!job || isFinal(job)) return;
      if (leaving === "timed-out") this.runInBackground(job);
      else if (leaving === "cancelled" && remaining === 0 && !job.details.background) {
        void this.stop(jobId, new JobStop("the client cancelled the request", true));
      }
    };
  }

  /** The session whose jobs these are; job ids start with it. */
  get sessionId(): string {
    return this.options.sessionId();
  }

  get(jobId: string): Job | undefined {
    return this.options.store.get(jobId);
  }

  list(): Job[] {
    return this.options.store.list();
  }

  /** Calls `listener` after every change of the job until it returns. */
  watch(jobId: string, listener: JobListener): () => void {
    let set = this.listeners.get(jobId);
    if (!set) {
      set = new Set();
      this.listeners.set(jobId, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(jobId);
    };
  }

  /**
   * Resolves with the job once it is final, or as it stands after
   * `timeoutMs`; rejects when `signal` aborts.
   */
  async wait(jobId: string, timeoutMs: number, signal?: AbortSignal): Promise<Job | undefined> {
    const job = this.get(jobId);
    if (!job || isFinal(job) || timeoutMs <= 0) return job;
    const timeout = new AbortController();
    const abort = () => timeout.abort(signal?.reason);
    signal?.addEventListener("abort", abort, { once: true });
    let unwatch = () => {};
    try {
      await Promise.race([
        new Promise<void>((resolve) => {
          unwatch = this.watch(jobId, (changed) => {
            if (isFinal(changed)) resolve();
          });
        }),
        this.options.timers.sleep(timeoutMs, timeout.signal)
      ]);
    } finally {
      unwatch();
      signal?.removeEventListener("abort", abort);
      timeout.abort();
    }
    if (signal?.aborted) throw signal.reason;
    return this.get(jobId);
  }

  /**
   * Cancels a job: its runner stops and its Gemini upload is deleted (that
   * of a job stopped earlier for a retry, too).
   */
  async cancel(jobId: string, reason = "cancelled by the client"): Promise<Job | undefined> {
    const job = this.get(jobId);
    if (job?.details.resumable) return this.discard(job);
    if (!job || isFinal(job)) return job;
    return this.stop(jobId, new JobStop(reason, false));
  }

  /** When the object starts: a run for every active job that has none. */
  async resume(): Promise<void> {
    for (const job of this.options.store.active()) {
      if (!(await this.options.runs.isLive(job.id))) {
        await this.options.runs.start(job.id, await requestKey(job.input));
      }
    }
  }

  /** Sets the heartbeat timer while jobs are active (at each beat, at start, as a run starts). */
  async heartbeat(): Promise<void> {
    if (this.busy) await this.options.timers.set(JOB_HEARTBEAT, Date.now() + JOB_HEARTBEAT_MS);
  }

  /** True while any job of the session is running. */
  get busy(): boolean {
    return this.options.store.active().length > 0;
  }

  /** When a job of the session last changed, or 0. */
  lastActivity(): number {
    return this.options.store.latestUpdate();
  }

  /**
   * Cancels every running job, waits for each to end, and deletes the
   * session's kept Gemini files, but for those another object has read:
   * their video's object keeps them on (see `releaseFile`).
   */
  async endAll(reason: string): Promise<void> {
    await Promise.allSettled(this.options.store.active().map((job) => this.stop(job.id, new JobStop(reason, false))));
    const kept = this.options.files.all().map((file) => file.fileName);
    const parked = this.list().flatMap((job) => (job.details.resumable && job.fileName ? [job.fileName] : []));
    const release = { evenIfKept: true, evenIfInUse: true };
    await Promise.allSettled([...new Set([...kept, ...parked])].map((fileName) => this.releaseFile(fileName, release)));
    await this.dropCaches(this.options.caches.all().map((cache) => cache.name));
  }

  /** Deletes context caches (a YouTube link's have no file to go with). */
  async dropCaches(names: string[]): Promise<void> {
    if (!this.options.gemini.apiKey || names.length === 0) return;
    const ai = createGeminiClient(this.options.gemini, this.options.fetch);
    for (const name of names) this.options.caches.forget(name);
    await Promise.allSettled(names.map((name) => deleteVideoCache(ai, name)));
  }

  /**
   * The one way a job's Gemini file goes: never while another live job reads
   * it (unless the session ends), never while it is kept for follow-up
   * questions (unless `evenIfKept`: it is forgotten, then deleted), never
   * when another object read it (`SharedUploads.handOver`). Without a
   * key (removed since) nothing is deleted: Gemini expires files in 48 hours.
   */
  async releaseFile(
    fileName: string,
    { exceptJobId, evenIfKept = false, evenIfInUse = false }: ReleaseFileOptions = {}
  ): Promise<void> {
    if (!this.options.gemini.apiKey) return;
    const inUse = this.options.store.active().some((job) => job.id !== exceptJobId && job.fileName === fileName);
    if (inUse && !evenIfInUse) return;
    const kept = this.options.files.byFileName(fileName);
    if (kept && !evenIfKept) return;
    const ai = createGeminiClient(this.options.gemini, this.options.fetch);
    // This session's caches of the video go with it, wherever the file goes.
    await Promise.allSettled(this.options.caches.takeOfFile(fileName).map((cache) => deleteVideoCache(ai, cache.name)));
    if (kept) {
      this.options.files.forget(fileName);
      // Another object read it (or it is another's): its video's object keeps it on.
      if (await this.options.shared.handOver(kept).catch(() => false)) return;
    }
    await deleteGeminiFile(ai, fileName, (ms) => this.options.timers.sleep(ms));
  }

  private update(jobId: string, update: JobUpdate): Job {
    const job = this.options.store.update(jobId, update);
    this.notify(job);
    return job;
  }

  private runInBackground(job: Job): Job {
    return job.details.background ? job : this.update(job.id, { details: { ...job.details, background: true } });
  }

  /**
   * Stops a job with `reason` through its run's cancel, and ends it once
   * the run has settled (a step running now is aborted first).
   */
  private stop(jobId: string, reason: JobStop): Promise<Job> {
    const pending = this.stopping.get(jobId);
    if (pending) return pending;
    const stopped = (async () => {
      await this.options.runs.cancel(jobId, reason.message);
      await this.attempts.get(jobId)?.catch(() => {});
      return endCancelled(this.context, jobId, reason);
    })().finally(() => this.stopping.delete(jobId));
    this.stopping.set(jobId, stopped);
    return stopped;
  }

  /** An explicit cancel of a job stopped for a retry: its upload goes now. */
  private async discard(job: Job): Promise<Job> {
    const updated = this.update(job.id, { details: { ...job.details, resumable: false } });
    if (job.fileName) await this.releaseFile(job.fileName, { exceptJobId: job.id, evenIfKept: true });
    return updated;
  }

  /**
   * A new job picks up where an identical one stopped for its caller left
   * off: the upload session (Gemini reports how far it got) or the uploaded
   * file.
   */
  private carryOn(job: Job, background: boolean): Job {
    const stopped = this.list().find((earlier) => earlier.details.resumable && sameInput(earlier.input, job.input));
    const details = { ...(background ? { background } : {}) };
    if (!stopped) return background ? this.options.store.update(job.id, { details }) : job;
    this.options.store.update(stopped.id, { details: { ...stopped.details, resumable: false, resumedBy: job.id } });
    const carried = {
      message: "carrying on from the upload of an identical analysis that was stopped",
      bytesUploaded: stopped.bytesUploaded,
      totalBytes: stopped.totalBytes,
      mimeType: stopped.mimeType,
      uploadUrl: stopped.uploadUrl,
      details: {
        ...details,
        ...(stopped.details.sourceTag !== undefined ? { sourceTag: stopped.details.sourceTag } : {}),
        ...(stopped.details.durationSeconds !== undefined ? { durationSeconds: stopped.details.durationSeconds } : {})
      }
    };
    const { fileName, fileUri } = stopped;
    if (fileName && fileUri) return this.options.store.update(job.id, { ...carried, state: "processing", fileName, fileUri });
    return this.options.store.update(job.id, { ...carried, state: stopped.uploadUrl ? "uploading" : "queued" });
  }

  private notify(job: Job): void {
    this.options.observer?.changed(job);
    for (const listener of [...(this.listeners.get(job.id) ?? [])]) listener(job);
  }
}
