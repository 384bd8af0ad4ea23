import type { JobService } from "../jobs/job-service";
import type { LibraryService } from "../library/library-service";

export type { JobService };

/** What the tools need from their host; nothing here knows about transports. */
export interface ToolDeps {
  jobs: JobService;
  defaultModel: string;
  /** How long a blocking call may wait before it answers "still running" (TOOL_CALL_BUDGET_SECONDS). */
  callBudgetMs: number;
  /** The library of finished analyses: search, and questions across it. */
  library: LibraryService;
}
