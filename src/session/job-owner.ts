/**
 * The session a job id names, as `routeJobs` reaches it: its object's RPC,
 * asked only once the id proves to be one this server issued, so a forged
 * or mistyped job id makes no Durable Object.
 * @module
 */
import type { Env } from "../env";
import { sessionIds } from "../ids/signed-session-id";
import type { JobOwner } from "../jobs/job-routing";

export function jobOwnerIn(env: Env): (sessionId: string) => JobOwner {
  return (sessionId) => {
    const owner = async () =>
      (await sessionIds(env.SHARED_SECRET).verify(sessionId)) ? env.SESSIONS.get(env.SESSIONS.idFromName(sessionId)) : undefined;
    return {
      waitForJob: async (jobId, timeoutMs) => (await owner())?.waitForJob(jobId, timeoutMs),
      cancelJob: async (jobId, reason) => (await owner())?.cancelJob(jobId, reason)
    };
  };
}
