/**
 * Job lookups that work from any session: a job id starts with the id of the
 * session that runs it, so a lookup for a job another session owns (a
 * sessionless `/rpc` call asking about a job an earlier one started) is sent
 * to that session's Durable Object.
 * @module
 */
import type { Job } from "./job";
import { jobOwnerSession } from "./job-id";
import type { JobManager } from "./job-manager";
import type { JobService } from "./job-service";

/** What a session's Durable Object answers for jobs it owns (its RPC methods). */
export interface JobOwner {
  waitForJob(jobId: string, timeoutMs: number): Promise<Job | undefined>;
  cancelJob(jobId: string, reason?: string): Promise<Job | undefined>;
}

export function routeJobs(local: JobManager, ownerOf: (sessionId: string) => JobOwner): JobService {
  const remoteOwner = (jobId: string): JobOwner | undefined => {
    if (local.get(jobId)) return undefined;
    const sessionId = jobOwnerSession(jobId);
    return sessionId && sessionId !== local.sessionId ? ownerOf(sessionId) : undefined;
  };
  return {
    start: (input, options) => local.start(input, options),
    follow: (jobId) => local.follow(jobId),
    get: (jobId) => local.get(jobId),
    list: () => local.list(),
    watch: (jobId, listener) => local.watch(jobId, listener),
    wait: (jobId, timeoutMs, signal) => remoteOwner(jobId)?.waitForJob(jobId, timeoutMs) ?? local.wait(jobId, timeoutMs, signal),
    cancel: async (jobId, reason) => remoteOwner(jobId)?.cancelJob(jobId, reason) ?? local.cancel(jobId, reason)
  };
}
