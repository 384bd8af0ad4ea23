import type { AnalysisInput, Job } from "../jobs/job";
import type { Leaving } from "../jobs/job-manager";

/** The session's jobs, as the tools see them (see `JobManager`). */
export interface JobService {
  /** Starts a job, or joins the identical one running; `background` jobs run on without callers. */
  start(input: AnalysisInput, options?: { background?: boolean }): Promise<Job>;
  get(jobId: string): Job | undefined;
  list(): Job[];
  watch(jobId: string, listener: (job: Job) => void): () => void;
  wait(jobId: string, timeoutMs: number, signal?: AbortSignal): Promise<Job | undefined>;
  /** A blocking call waits for the job; call the returned function when it stops waiting. */
  follow(jobId: string): (leaving: Leaving) => void;
  /** Stops the job and deletes its upload. */
  cancel(jobId: string, reason?: string): Promise<Job | undefined>;
}

/** What the tools need from their host; nothing here knows about transports. */
export interface ToolDeps {
  jobs: JobService;
  defaultModel: string;
  /** How long a blocking call may wait before it answers "still running" (TOOL_CALL_BUDGET_SECONDS). */
  callBudgetMs: number;
}
