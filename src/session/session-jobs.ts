/**
 * A session object's analyses: the `JobManager` wired to the object's
 * storage, its timers and Tasks runs, the register of the video's uploads,
 * Gemini, the console's index and the library; made on first use and, for
 * callers, behind the owner's slots (`SessionJobs`).
 * @module
 */
import type { Config } from "../config";
import { readPrices } from "../cost/prices";
import type { Env } from "../env";
import { type AnalysisInput, isFinal, type Job } from "../jobs/job";
import { JobManager } from "../jobs/job-manager";
import type { JobService, JobTimers } from "../jobs/job-service";
import { JobStore } from "../jobs/job-store";
import type { UploadRegistry } from "../jobs/upload-registry";
import { VideoCaches } from "../jobs/video-caches";
import { VideoFiles } from "../jobs/video-files";
import { libraryObject, LibraryReporter } from "../library/library-reporter";
import { callerJobs, startInBackground } from "./caller-jobs";
import { consoleObject, ConsoleReporter } from "./console-reporter";
import { type AnalysisTasks, jobRunsOn } from "./job-runs";
import { sharedUploadsOf } from "./shared-uploads";
import { MAX_WAIT_SECONDS } from "../tools/job-tools";

export interface SessionJobParts {
  ctx: DurableObjectState;
  env: Env;
  config: Config;
  sessionId: () => string;
  timers: JobTimers;
  tasks: AnalysisTasks;
  uploads: UploadRegistry;
}

/** The session's jobs; the manager is created on first use, so a restart can resume them. */
export class SessionJobs {
  private manager: JobManager | undefined;

  constructor(private readonly parts: SessionJobParts) {}

  /** The jobs this session runs itself. */
  get local(): JobManager {
    this.manager ??= sessionJobManager(this.parts);
    return this.manager;
  }

  /** The session's jobs as callers start them: each takes one of the owner's slots first. */
  admitted(): JobService {
    const { env, config, sessionId } = this.parts;
    return callerJobs(env, this.local, { limit: config.maxConcurrentAnalyses, sessionId });
  }

  /** Whether a job this session runs is still running. */
  isActive(jobId: string): boolean {
    const job = this.local.get(jobId);
    return job !== undefined && !isFinal(job);
  }

  /** Waits for a job as another session asks to, no longer than a tool's own wait may last. */
  waitForOther(jobId: string, timeoutMs: number): Promise<Job | undefined> {
    return this.local.wait(jobId, Math.min(timeoutMs, MAX_WAIT_SECONDS * 1000));
  }

  /** Starts a background analysis for the console: a refusal comes back as a value (see `startInBackground`). */
  startInBackground(input: AnalysisInput): Promise<Job | { refused: string }> {
    return startInBackground(this.admitted(), input);
  }

  /** Drops the manager of a session that ended; the next use makes a new one. */
  forget(): void {
    this.manager = undefined;
  }
}

function sessionJobManager({ ctx, env, config, sessionId, timers, tasks, uploads }: SessionJobParts): JobManager {
  const keepAlive = (delivery: Promise<void>) => ctx.waitUntil(delivery);
  const index = new ConsoleReporter(() => consoleObject(env), keepAlive);
  const library = new LibraryReporter(() => libraryObject(env), keepAlive);
  return new JobManager({
    sessionId,
    store: new JobStore(ctx.storage.sql),
    files: new VideoFiles(ctx.storage.sql),
    caches: new VideoCaches(ctx.storage.sql),
    shared: sharedUploadsOf(env, ctx.id, uploads),
    userUploads: { status: (uploadId) => env.UPLOADS.get(env.UPLOADS.idFromName(uploadId)).status() },
    timers,
    runs: jobRunsOn(tasks),
    gemini: config.gemini,
    fetch: (input, init) => fetch(input, init),
    allowPrivateVideoUrls: config.allowPrivateVideoUrls,
    maxVideoBytes: config.maxVideoBytes,
    sourceTimeouts: config.sourceTimeouts,
    cost: {
      prices: readPrices(config.pricesJson),
      maxUsdPerAnalysis: config.maxCostUsdPerAnalysis,
      maxUsdPerDay: config.maxCostUsdPerDay,
      spentToday: (jobId) => consoleObject(env).committedToday(jobId)
    },
    observer: {
      changed(job) {
        index.changed(job);
        library.changed(job);
      }
    }
  });
}
