/**
 * A stage of an analysis run and what it runs on. The driver (`run-job.ts`)
 * goes through its list of stages in order; a stage that applies to the job
 * as it stands runs its step(s), each a journaled step of the job's agents
 * Task. Step names are persisted by Tasks: a run interrupted by a restart
 * replays the steps it finished by name, so a stage never renames one.
 * @module
 */
import type { GoogleGenAI } from "@google/genai";
import type { TaskStep, TaskValue } from "agents/tasks";
import type { UploadTarget } from "../../gemini/upload";
import type { Job, JobDetails } from "../job";
import type { JobContext } from "../job-context";
import type { JobUpdate } from "../job-store";

/** What every stage of one run shares: the job, its update function, the step's signal, the host's ports. */
export interface StageRun {
  readonly context: JobContext;
  readonly ai: GoogleGenAI;
  /** Gemini's REST endpoints for the calls the SDK does not make (upload, countTokens). */
  readonly target: UploadTarget;
  /** The job as last stored or updated by this run. */
  readonly job: Job;
  /** The running step's: aborted when the run is cancelled or the step runs out of time. */
  readonly signal: AbortSignal;
  /** The Task, for a stage's durable sleeps and journaled values between its steps. */
  readonly task: TaskStep;
  /** Stores a change of the job (`details` merged into the job's) and tells the host. */
  update(update: JobUpdate & { details?: never }, details?: JobDetails): Job;
  /** Runs `operation` with bounded retries, saying so in the job's message; `retryable` replaces the judgement of Gemini's errors. */
  retrying<T>(what: string, operation: () => Promise<T>, retryable?: (error: unknown) => boolean): Promise<T>;
  /**
   * One named step: journaled once done, so a replay skips it. A failure
   * ends the job (the result is then null); an abort is Tasks' to settle.
   */
  step<T extends TaskValue>(name: string, timeoutMs: number, work: () => Promise<T>): Promise<T | null>;
}

export interface Stage {
  /** The names of the steps it journals, as Tasks stores them (`poll:N` for a numbered series). */
  readonly steps: readonly string[];
  /** Whether the job, in the state it is in, still needs this stage. */
  applies(job: Job): boolean;
  run(run: StageRun): Promise<void>;
}

/** A stage that is one step, `name`, of at most `timeoutMs` per attempt. */
export function oneStep(
  name: string,
  timeoutMs: number,
  applies: (job: Job) => boolean,
  work: (run: StageRun) => Promise<void>
): Stage {
  return { steps: [name], applies, run: (run) => run.step(name, timeoutMs, () => work(run)).then(() => {}) };
}
