import type { JobService } from "../jobs/job-service";
import type { LibraryService } from "../library/library-service";
import type { MediaLinks } from "../video/media-link";

export type { JobService };

/** What the tools need from their host; nothing here knows about transports. */
export interface ToolDeps {
  jobs: JobService;
  defaultModel: string;
  /** How long a blocking call may wait before it answers "still running" (TOOL_CALL_BUDGET_SECONDS). */
  callBudgetMs: number;
  /** The most characters of a finished job's result (MAX_RESULT_CHARS); the rest is read as resources. */
  maxResultChars: number;
  /** The library of finished analyses: search, and questions across it. */
  library: LibraryService;
  /** Makes uploads for `createVideoUpload`. */
  uploads: UploadService;
  /** Links to a file URL's video on the server's origin, for the viewer; absent when the origin is unknown. */
  media?: MediaLinks;
}

/** What `createVideoUpload` asks for. */
export interface UploadRequest {
  /** The file's name or its path on the user's machine (the command reads it from there). */
  fileName: string;
  sizeBytes?: number;
  mimeType?: string;
}

/** An upload made, with its one-time link and command (docs/uploads.md). */
export interface CreatedUpload {
  uploadId: string;
  /** What an analysis takes as its video: `upload:<uploadId>`. */
  videoUrl: string;
  tusUrl: string;
  /** ISO times: the upload's end, and its link's. */
  expiresAt: string;
  linkExpiresAt: string;
  uploadPageUrl: string;
  command: string;
  maxChunkBytes: number;
}

/** Where one of the deployment's uploads stands, as the console's index last heard it (docs/uploads.md). */
export interface UploadEntry {
  uploadId: string;
  /** What an analysis takes as its video: `upload:<uploadId>`. */
  videoUrl: string;
  fileName: string;
  /** The file's size; null until the uploader says it. */
  sizeBytes: number | null;
  /** Bytes Gemini has acknowledged. */
  bytesReceived: number;
  state: "uploading" | "complete" | "expired" | "deleted";
  /** Epoch milliseconds. */
  createdAt: number;
  updatedAt: number;
  expiresAt: number;
}

export interface UploadService {
  create(request: UploadRequest): Promise<CreatedUpload>;
  /** The deployment's uploads still alive (not expired or deleted), newest first. */
  list(): Promise<UploadEntry[]>;
}
