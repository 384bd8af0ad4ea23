/**
 * A session's jobs as its callers start them: a job id that names another
 * session goes to that session's object (`routeJobs`), and each new job
 * takes one of the deployment owner's slots first (`admitJobs`).
 * @module
 */
import { DEPLOYMENT_OWNER } from "../admission/admission-do";
import { admitJobs } from "../admission/admitted-jobs";
import type { Env } from "../env";
import { UserFacingError } from "../errors";
import { sessionIds } from "../ids/signed-session-id";
import type { AnalysisInput, Job } from "../jobs/job";
import type { JobManager } from "../jobs/job-manager";
import type { JobService } from "../jobs/job-service";
import { type JobOwner, routeJobs } from "../jobs/job-routing";

export interface CallerJobsOptions {
  /** MAX_CONCURRENT_ANALYSES. */
  limit: number;
  /** The session the jobs start in. */
  sessionId(): string;
}

export function callerJobs(env: Env, local: JobManager, { limit, sessionId }: CallerJobsOptions): JobService {
  return admitJobs(routeJobs(local, jobOwnerIn(env)), {
    admission: () => env.ADMISSION.get(env.ADMISSION.idFromName(DEPLOYMENT_OWNER)),
    limit,
    sessionId
  });
}

/** Starts a background analysis, as the console asks for one: a refusal a user may read is returned, not thrown across RPC. */
export async function startInBackground(jobs: JobService, input: AnalysisInput): Promise<Job | { refused: string }> {
  try {
    return await jobs.start(input, { background: true });
  } catch (error) {
    if (error instanceof UserFacingError) return { refused: error.message };
    throw error;
  }
}

/**
 * The session a job id names, asked only once the id proves to be one this
 * server issued: a forged or mistyped job id makes no Durable Object.
 */
function jobOwnerIn(env: Env): (sessionId: string) => JobOwner {
  return (sessionId) => {
    const owner = async () =>
      (await sessionIds(env.SHARED_SECRET).verify(sessionId)) ? env.SESSIONS.get(env.SESSIONS.idFromName(sessionId)) : undefined;
    return {
      waitForJob: async (jobId, timeoutMs) => (await owner())?.waitForJob(jobId, timeoutMs),
      cancelJob: async (jobId, reason) => (await owner())?.cancelJob(jobId, reason)
    };
  };
}
