/**
 * A session's end, once expired or deleted by its client: the order in
 * which its parts let go.
 * @module
 */
import type { SessionChannels } from "./channels";
import type { SessionJobs } from "./session-jobs";
import type { SessionStore } from "./session-store";
import type { ServedRegister } from "./shared-uploads";
import type { SessionTimers } from "./timers";

export interface EndingSession {
  jobs: SessionJobs;
  register: ServedRegister;
  channels: SessionChannels;
  timers: SessionTimers;
  /** agents' `Lifecycle`, whose queue goes with the storage. */
  lifecycle: { disableAlarms(): Promise<void> };
  store: SessionStore;
}

/**
 * Ends the session for good: jobs cancelled, Gemini files deleted, streams
 * closed, storage and alarm deleted. The object's alarms stay off until it
 * leaves memory (Lifecycle's queue went with the storage).
 */
export async function endSession({ jobs, register, channels, timers, lifecycle, store }: EndingSession): Promise<void> {
  await jobs.local.endAll("the session ended");
  await register.releaseAdopted();
  const closeChannels = channels.detach();
  jobs.forget();
  timers.reset();
  await lifecycle.disableAlarms();
  await store.destroy();
  register.forget();
  await closeChannels();
}
