/**
 * Adds every analysis of a session object to the library once it is done,
 * through the jobs layer's `JobObserver` port. An addition the library did
 * not take is tried again after each of `ADD_RETRY_DELAYS_MS` (adding is
 * idempotent: the same analysis replaces itself).
 * @module
 */
import { deliverWithRetries } from "../http/deliver";
import type { Env } from "../env";
import type { Job } from "../jobs/job";
import type { JobObserver } from "../jobs/job-observer";
import { documentOf } from "./library-document";
import { LIBRARY_OBJECT_NAME } from "./library-do";

/** Waits before each new attempt at an addition; about a minute in all. */
export const ADD_RETRY_DELAYS_MS: readonly number[] = [1_000, 4_000, 15_000, 40_000];

/** The library object as `wrangler types` types its binding. */
export type LibraryStub = ReturnType<Env["LIBRARY"]["get"]>;

/** The deployment's library object. */
export function libraryObject(env: Env): LibraryStub {
  return env.LIBRARY.get(env.LIBRARY.idFromName(LIBRARY_OBJECT_NAME));
}

export class LibraryReporter implements JobObserver {
  /** `keepAlive` is given each addition still under way (the object's `ctx.waitUntil`). */
  constructor(
    private readonly library: () => LibraryStub,
    private readonly keepAlive: (delivery: Promise<void>) => void = () => {}
  ) {}

  changed(job: Job): void {
    if (job.state !== "done") return;
    const doc = documentOf(job);
    this.keepAlive(
      deliverWithRetries(() => this.library().add(doc), ADD_RETRY_DELAYS_MS, "The library missed a finished analysis")
    );
  }
}
