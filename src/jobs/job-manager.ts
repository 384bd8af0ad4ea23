/**
 * The session's analysis jobs: starts them, runs them in the background,
 * lets callers wait on them and watch their progress, cancels them, and
 * resumes the ones a restart interrupted.
 *
 * ## Lifecycle
 * A job runs in the Durable Object's memory while its row says where it is.
 * While any job is active, a heartbeat deadline on the shared alarm keeps the
 * object awake and, after a restart, `resume()` (called from the alarm)
 * starts a runner for every active job that has none.
 *
 * Files Gemini processed are kept for follow-up questions (`VideoFiles`)
 * and deleted when the session ends.
 * @module
 */
import type { GeminiSettings } from "../config";
import { createGeminiClient, type FetchLike } from "../gemini/client";
import { describeGeminiError } from "../gemini/errors";
import { matchYouTube } from "../gemini/youtube";
import type { AlarmScheduler } from "../scheduler";
import { checkVideoUrl, VideoUrlError } from "../video/url-guard";
import { isFinal, type AnalysisInput, type Job } from "./job";
import type { JobStore } from "./job-store";
import { runJob, type JobContext } from "./run-job";
import type { VideoFiles } from "./video-files";

export const JOB_HEARTBEAT_MS = 20_000;
/** Analyses one session may run at once; each holds a download, an upload and a Gemini stream. */
export const MAX_ACTIVE_JOBS = 4;

/** Raised when a session asks for more analyses than it may run at once. */
export class JobLimitError extends Error {
  constructor() {
    super(
      `This session is already running ${MAX_ACTIVE_JOBS} analyses, the most it may run at once. Wait for one to finish (getVideoAnalysis with waitSeconds) or cancel one (cancelVideoAnalysis), then try again.`
    );
    this.name = "JobLimitError";
  }
}
const HEARTBEAT = "jobs";

export type JobListener = (job: Job) => void;

export interface JobManagerOptions {
  /** The session these jobs belong to (known once a request names it). */
  sessionId(): string;
  store: JobStore;
  files: VideoFiles;
  scheduler: AlarmScheduler;
  gemini: GeminiSettings;
  fetch: FetchLike;
  allowPrivateVideoUrls: boolean;
  maxVideoBytes: number;
}

function sameInput(a: AnalysisInput, b: AnalysisInput): boolean {
  const canonical = (input: AnalysisInput) => JSON.stringify(Object.entries(input).sort(([x], [y]) => x.localeCompare(y)));
  return canonical(a) === canonical(b);
}

function randomHex(bytes: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
}

export class JobManager {
  private readonly runners = new Map<string, { controller: AbortController; done: Promise<unknown> }>();
  private readonly listeners = new Map<string, Set<JobListener>>();
  private readonly context: JobContext;

  constructor(private readonly options: JobManagerOptions) {
    this.context = {
      store: options.store,
      files: options.files,
      gemini: options.gemini,
      fetch: options.fetch,
      allowPrivateVideoUrls: options.allowPrivateVideoUrls,
      maxVideoBytes: options.maxVideoBytes,
      sleep: (ms, signal) => options.scheduler.sleep(ms, signal),
      changed: (job) => this.notify(job)
    };
  }

  /**
   * Checks the URL, creates a job and starts running it; returns it as first
   * stored. The same request while an identical one is still running (a
   * client retrying after a timeout) gets that job instead of a second upload.
   * Throws `VideoUrlError` for a URL no job could use, `JobLimitError` past
   * MAX_ACTIVE_JOBS.
   */
  start(input: AnalysisInput): Job {
    const youTube = matchYouTube(checkVideoUrl(input.videoUrl, true));
    if (youTube.kind === "not-a-video") throw new VideoUrlError(youTube.reason);
    if (youTube.kind === "not-youtube") checkVideoUrl(input.videoUrl, this.options.allowPrivateVideoUrls);
    const active = this.options.store.active();
    const same = active.find((job) => sameInput(job.input, input));
    if (same) return same;
    if (active.length >= MAX_ACTIVE_JOBS) throw new JobLimitError();
    const job = this.options.store.create(`${this.options.sessionId()}.${randomHex(8)}`, input);
    this.launch(job.id);
    return job;
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
        this.options.scheduler.sleep(timeoutMs, timeout.signal)
      ]);
    } finally {
      unwatch();
      signal?.removeEventListener("abort", abort);
      timeout.abort();
    }
    if (signal?.aborted) throw signal.reason;
    return this.get(jobId);
  }

  /** Cancels an active job: its runner stops and its Gemini file is deleted. */
  cancel(jobId: string, reason = "cancelled by the client"): Job | undefined {
    const job = this.get(jobId);
    if (!job || isFinal(job)) return job;
    const runner = this.runners.get(jobId);
    if (runner) {
      runner.controller.abort(new Error(reason));
      return job;
    }
    const cancelled = this.options.store.update(jobId, { state: "cancelled", message: "cancelled", error: `Cancelled: ${reason}` });
    this.notify(cancelled);
    return cancelled;
  }

  /** Starts a runner for every active job that has none (after a restart). */
  resume(): void {
    for (const job of this.options.store.active()) {
      if (!this.runners.has(job.id)) this.launch(job.id);
    }
  }

  /** For `alarm()`: re-arms the heartbeat while jobs are active. */
  async heartbeat(): Promise<void> {
    this.resume();
    if (this.runners.size > 0) await this.options.scheduler.set(HEARTBEAT, Date.now() + JOB_HEARTBEAT_MS);
  }

  /** True while any job of the session is running. */
  get busy(): boolean {
    return this.runners.size > 0;
  }

  /** When a job of the session last changed, or 0. */
  lastActivity(): number {
    return this.options.store.latestUpdate();
  }

  /** Cancels every running job, waits for each to end, and deletes the session's kept Gemini files. */
  async endAll(reason: string): Promise<void> {
    const running = [...this.runners.values()];
    for (const runner of running) runner.controller.abort(new Error(reason));
    await Promise.allSettled(running.map((runner) => runner.done));
    const kept = this.options.files.all();
    // Without a key (removed since) the files cannot be deleted; Gemini expires them in 48 hours.
    if (kept.length === 0 || !this.options.gemini.apiKey) return;
    const ai = createGeminiClient(this.options.gemini, this.options.fetch);
    await Promise.allSettled(
      kept.map(async (file) => {
        try {
          await ai.files.delete({ name: file.fileName });
        } catch (error) {
          console.warn(`Could not delete Gemini file ${file.fileName}: ${describeGeminiError(error)}`);
        }
        this.options.files.forget(file.fileName);
      })
    );
  }

  private launch(jobId: string): void {
    const controller = new AbortController();
    void this.options.scheduler.set(HEARTBEAT, Date.now() + JOB_HEARTBEAT_MS);
    // Deferred a tick, so the caller of start() can watch the job's first steps.
    const done = Promise.resolve()
      .then(() => runJob(this.context, jobId, controller.signal))
      .finally(() => this.runners.delete(jobId));
    this.runners.set(jobId, { controller, done });
  }

  private notify(job: Job): void {
    for (const listener of [...(this.listeners.get(job.id) ?? [])]) listener(job);
  }
}
