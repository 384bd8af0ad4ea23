/**
 * What a job's run is given by the `JobManager` that hosts it: the ports
 * and settings it was built with (`JobPorts`, which `JobManagerOptions`
 * extends), and the manager's own services.
 * @module
 */
import type { GeminiSettings } from "../config";
import type { FetchLike } from "../http/fetch-like";
import type { SourceTimeouts } from "../video/source";
import type { Job } from "./job";
import type { ReleaseFileOptions } from "./job-service";
import type { JobStore } from "./job-store";
import type { SharedUploads } from "./shared-uploads-port";
import type { UserUploads } from "./user-uploads-port";
import type { VideoFiles } from "./video-files";

/** The storage, ports and settings jobs run on, as the host gives them. */
export interface JobPorts {
  store: JobStore;
  files: VideoFiles;
  /** Uploads other objects kept, and where this one's kept uploads are offered. */
  shared: SharedUploads;
  /** The user's own uploads (`upload:<id>` videos), by id. */
  userUploads: UserUploads;
  gemini: GeminiSettings;
  fetch: FetchLike;
  allowPrivateVideoUrls: boolean;
  maxVideoBytes: number;
  sourceTimeouts: SourceTimeouts;
}

export interface JobContext extends JobPorts {
  /** Waits `ms` on the session's alarm; rejects when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Called after every change of the job. */
  changed(job: Job): void;
  /** Deletes a Gemini file unless another live job reads it (see `JobManager.releaseFile`). */
  releaseFile(fileName: string, options: ReleaseFileOptions): Promise<void>;
}
