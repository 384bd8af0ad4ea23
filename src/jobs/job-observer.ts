/**
 * The port through which the layers above learn of every change of every
 * job, as it is stored (the console's deployment-wide index listens here).
 * @module
 */
import type { Job } from "./job";

/** Told of each job as stored after every change, from its creation to its final state. */
export interface JobObserver {
  changed(job: Job): void;
}
