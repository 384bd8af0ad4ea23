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
  /** Links to a file URL's video on the server's origin, for the viewer; absent when the origin is unknown. */
  media?: MediaLinks;
}
