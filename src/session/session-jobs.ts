/**
 * A session object's analyses: the `JobManager` wired to the object's
 * storage, its timers and Tasks runs, the register of the video's uploads,
 * Gemini, and the console's index.
 * @module
 */
import type { Config } from "../config";
import type { Env } from "../env";
import { JobManager } from "../jobs/job-manager";
import type { JobTimers } from "../jobs/job-service";
import { JobStore } from "../jobs/job-store";
import type { UploadRegistry } from "../jobs/upload-registry";
import { VideoFiles } from "../jobs/video-files";
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
  return new JobManager({
    sessionId,
    store: new JobStore(ctx.storage.sql),
    files: new VideoFiles(ctx.storage.sql),
    shared: sharedUploadsOf(env, ctx.id, uploads),
    userUploads: { status: (uploadId) => env.UPLOADS.get(env.UPLOADS.idFromName(uploadId)).status() },
    timers,
    runs: jobRunsOn(tasks),
    gemini: config.gemini,
    fetch: (input, init) => fetch(input, init),
    allowPrivateVideoUrls: config.allowPrivateVideoUrls,
    maxVideoBytes: config.maxVideoBytes,
    sourceTimeouts: config.sourceTimeouts,
    observer: new ConsoleReporter(
      () => consoleObject(env),
      (delivery) => ctx.waitUntil(delivery)
    )
  });
}
