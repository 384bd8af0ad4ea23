import type { JobService } from "../jobs/job-service";

export type { JobService };

/** What the tools need from their host; nothing here knows about transports. */
export interface ToolDeps {
  jobs: JobService;
  defaultModel: string;
  /** How long a blocking call may wait before it answers "still running" (TOOL_CALL_BUDGET_SECONDS). */
  callBudgetMs: number;
  /** The most characters of a finished job's result (MAX_RESULT_CHARS); the rest is read as resources. */
  maxResultChars: number;
}
