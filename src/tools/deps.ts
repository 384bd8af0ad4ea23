import type { AnalysisInput, Job } from "../jobs/job";

/** The session's jobs, as the tools see them (see `JobManager`). */
export interface JobService {
  start(input: AnalysisInput): Job;
  get(jobId: string): Job | undefined;
  list(): Job[];
  watch(jobId: string, listener: (job: Job) => void): () => void;
  wait(jobId: string, timeoutMs: number, signal?: AbortSignal): Promise<Job | undefined>;
  cancel(jobId: string, reason?: string): Promise<Job | undefined>;
}

/** What the tools need from their host; nothing here knows about transports. */
export interface ToolDeps {
  jobs: JobService;
  defaultModel: string;
}
