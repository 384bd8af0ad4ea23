/**
 * A job's progress as a percentage of the whole job, for
 * `notifications/progress` (`total` is always 100), task status, snapshots
 * and the console; how finely each shows it; and how often a watcher is
 * told of it.
 * @module
 */
import type { Job } from "./job";
import { segmentShare } from "./segment-progress";

/** Share of the bar for each stage of an uploaded video. */
const UPLOAD_END = 60;
const PROCESSING_END = 70;
const GENERATION_END = 99;
/** Scale of the asymptotic curves used when the end is unknown. */
const UNKNOWN_SIZE_SCALE_BYTES = 200_000_000;
const ANSWER_SCALE_CHARACTERS = 4_000;

/**
 * The one pace of progress reports within a stage, for every watcher: a
 * client's `notifications/progress` and the console's index alike. 100 ms
 * is about ten updates a second, as fast as a bar on a screen moves
 * smoothly for the eye, and slow enough that a job streaming an answer or
 * an upload is not reported for every chunk. A new stage (or kind of
 * message) is reported at once, whatever the pace.
 */
export const PROGRESS_INTERVAL_MS = 100;

/**
 * Decimals of a percent as each place shows it: whole in sentences (status
 * messages, the console), tenths in a snapshot's `progress`, thousandths in
 * progress notifications and a task's progress `_meta`, so that every
 * notification can rise a little above the one before.
 */
export const PERCENT_DECIMALS = { text: 0, snapshot: 1, notification: 3 } as const;

/** `percent` rounded to `decimals` (see `PERCENT_DECIMALS`). */
export function roundPercent(percent: number, decimals: number): number {
  const scale = 10 ** decimals;
  return Math.round(percent * scale) / scale;
}

/**
 * The share of `totalBytes` that `bytes` is, as the place `shown` shows it
 * (an upload's own progress, apart from a job's): rounded down, so that an
 * upload reads 100 only once its last byte is in. A job's percent may round
 * to nearest, as it stays at 99 or below until the job ends.
 */
export function bytesPercent(bytes: number, totalBytes: number, shown: keyof typeof PERCENT_DECIMALS): number {
  const scale = 10 ** PERCENT_DECIMALS[shown];
  return Math.floor((100 * scale * bytes) / totalBytes) / scale;
}

/** The job's percent as the place `shown` shows it. */
export function shownPercent(job: Job, shown: keyof typeof PERCENT_DECIMALS): number {
  return roundPercent(jobPercent(job), PERCENT_DECIMALS[shown]);
}

function approach(limitShare: number, value: number, scale: number): number {
  return limitShare * (1 - Math.exp(-value / scale));
}

export function jobPercent(job: Job): number {
  switch (job.state) {
    case "queued":
      return 0;
    case "uploading":
      return job.totalBytes
        ? (UPLOAD_END * Math.min(job.bytesUploaded, job.totalBytes)) / job.totalBytes
        : approach(UPLOAD_END, job.bytesUploaded, UNKNOWN_SIZE_SCALE_BYTES);
    case "processing":
      return UPLOAD_END;
    case "generating": {
      const start = job.fileName ? PROCESSING_END : 5;
      const { plan, segmentProgress } = job.details;
      if (plan && segmentProgress) return start + (GENERATION_END - start) * segmentShare(plan, segmentProgress, job.input);
      return start + approach(GENERATION_END - start, job.text.length, ANSWER_SCALE_CHARACTERS);
    }
    default:
      return 100;
  }
}
