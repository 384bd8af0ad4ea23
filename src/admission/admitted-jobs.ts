/**
 * Jobs started only with a slot from the owner's `AdmissionDO`: the cap on
 * analyses running at once across sessions, session-less calls and tasks,
 * on top of each session's own limit.
 * @module
 */
import { UserFacingError } from "../errors";
import { isFinal } from "../jobs/job";
import type { JobService } from "../jobs/job-service";
import type { Reservation } from "./admission-do";

/** A request the owner's cap refused. */
export class AnalysisLimitError extends UserFacingError {
  constructor(limit: number) {
    super(
      `You already have ${limit} analyses running, the most this server runs at once for one owner (MAX_CONCURRENT_ANALYSES), counting every session, session-less call and task. Wait for one to finish, or cancel one (cancelVideoAnalysis or tasks/cancel), then try again.`
    );
    this.name = "AnalysisLimitError";
  }
}

/** What the admission object answers (its RPC methods). */
export interface Admission {
  reserve(limit: number): Promise<Reservation>;
  bind(lease: string, sessionId: string, jobId: string): Promise<void>;
  release(leaseOrJobId: string): Promise<void>;
}

export interface AdmittedJobsOptions {
  admission: () => Admission;
  limit: number;
  /** The session object that runs the jobs. */
  sessionId: () => string;
}

/** `jobs`, with `start` taking a slot first and giving it back when the job ends. */
export function admitJobs(jobs: JobService, options: AdmittedJobsOptions): JobService {
  return {
    ...jobs,
    async start(input, startOptions) {
      const admission = options.admission();
      const reservation = await admission.reserve(options.limit);
      if ("refused" in reservation) throw new AnalysisLimitError(options.limit);
      let job: Awaited<ReturnType<JobService["start"]>>;
      try {
        job = await jobs.start(input, startOptions);
      } catch (error) {
        await admission.release(reservation.lease);
        throw error;
      }
      await admission.bind(reservation.lease, options.sessionId(), job.id);
      const release = () => void admission.release(job.id).catch(() => {});
      const unwatch = jobs.watch(job.id, (changed) => {
        if (!isFinal(changed)) return;
        unwatch();
        release();
      });
      const now = jobs.get(job.id);
      if (!now || isFinal(now)) {
        unwatch();
        release();
      }
      return job;
    }
  };
}
