/**
 * What a job's run is given by the `JobManager` that hosts it: the ports
 * and settings it was built with (`JobPorts`, which `JobManagerOptions`
 * extends), and the manager's own services.
 * @module
 */
import type { GeminiSettings } from "../config";
import type { PricesError, PriceTable } from "../cost/prices";
import type { FetchLike } from "../http/fetch-like";
import type { SourceTimeouts } from "../video/source";
import type { Job } from "./job";
import type { ReleaseFileOptions } from "./job-service";
import type { JobStore } from "./job-store";
import type { SharedUploads } from "./shared-uploads-port";
import type { VideoCaches } from "./video-caches";
import type { UserUploads } from "./user-uploads-port";
import type { VideoFiles } from "./video-files";

/** The storage, ports and settings jobs run on, as the host gives them. */
export interface JobPorts {
  store: JobStore;
  files: VideoFiles;
  /** The context caches made of those videos. */
  caches: VideoCaches;
  /** Uploads other objects kept, and where this one's kept uploads are offered. */
  shared: SharedUploads;
  /** The user's own uploads (`upload:<id>` videos), by id. */
  userUploads: UserUploads;
  gemini: GeminiSettings;
  fetch: FetchLike;
  allowPrivateVideoUrls: boolean;
  maxVideoBytes: number;
  sourceTimeouts: SourceTimeouts;
  cost: CostPolicy;
}

/** What analyses cost and may cost: the price table and the deployment's caps. */
export interface CostPolicy {
  /** The price table (GEMINI_PRICES over the built-in one), or why GEMINI_PRICES could not be read. */
  prices: PriceTable | PricesError;
  /** MAX_COST_USD_PER_ANALYSIS; undefined: no cap. */
  maxUsdPerAnalysis: number | undefined;
  /** MAX_COST_USD_PER_DAY; undefined: no cap. */
  maxUsdPerDay: number | undefined;
  /**
   * What today's cap has to count, in US dollars: what the deployment spent
   * today (UTC), and the estimates of the analyses still running but
   * `jobId`'s own, so that analyses started together cannot pass it together.
   */
  spentToday(jobId: string): Promise<number>;
}

export interface JobContext extends JobPorts {
  /** Waits `ms` on the session's alarm; rejects when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Called after every change of the job. */
  changed(job: Job): void;
  /** Deletes a Gemini file unless another live job reads it (see `JobManager.releaseFile`). */
  releaseFile(fileName: string, options: ReleaseFileOptions): Promise<void>;
  /** Forgets and deletes context caches (see `JobManager.dropCaches`). */
  dropCaches(names: string[]): Promise<void>;
}
