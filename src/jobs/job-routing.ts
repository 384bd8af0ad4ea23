/**
 * Job lookups that work from any session: a job id starts with the id of the
 * session that runs it, so a lookup for a job another session owns (a
 * sessionless `/rpc` call asking about a job an earlier one started) is sent
 * to that session's Durable Object.
 * @module
 */
import { isSessionId } from "../session-id";
import type { JobService } from "../tools/deps";
import type { Job } from "./job";
import type { JobManager } from "./job-manager";

/** What a session's Durable Object answers for jobs it owns (its RPC methods). */
export interface JobOwner {
  waitForJob(jobId: string, timeoutMs: number): Promise<Job | undefined>;
  cancelJob(jobId: string, reason?: string): Promise<Job | undefined>;
}

/** The session that owns `jobId`, or undefined when the id names none. */
export function jobOwnerSession(jobId: string): string | undefined {
  const [sessionId] = jobId.split(".", 1);
  return sessionId !== undefined && isSessionId(sessionId) ? sessionId : undefined;
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
