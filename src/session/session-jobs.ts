/**
 * A session object's analyses: the `JobManager` wired to the object's
 * storage, its timers and Tasks runs, the register of the video's uploads,
 * Gemini, the console's index and the library.
 * @module
 */
import type { Config } from "../config";
import { readPrices } from "../cost/prices";
import type { Env } from "../env";
import { JobManager } from "../jobs/job-manager";
import type { JobTimers } from "../jobs/job-service";
import { JobStore } from "../jobs/job-store";
import type { UploadRegistry } from "../jobs/upload-registry";
import { VideoCaches } from "../jobs/video-caches";
import { VideoFiles } from "../jobs/video-files";
import { libraryObject, LibraryReporter } from "../library/library-reporter";
import { consoleObject, ConsoleReporter } from "./console-reporter";
import { type AnalysisTasks, jobRunsOn } from "./job-runs";
import { sharedUploadsOf } from "./shared-uploads";

export interface SessionJobParts {
  ctx: DurableObjectState;
  env: Env;
  config: Config;
  sessionId: () => string;
  timers: JobTimers;
  tasks: AnalysisTasks;
  uploads: UploadRegistry;
}

export function sessionJobManager({ ctx, env, config, sessionId, timers, tasks, uploads }: SessionJobParts): JobManager {
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
