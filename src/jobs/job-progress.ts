/**
 * A job's progress as a percentage of the whole job, for
 * `notifications/progress` (`total` is always 100) and for snapshots.
 * @module
 */
import type { Job } from "./job";

/** Share of the bar for each stage of an uploaded video. */
const UPLOAD_END = 60;
const PROCESSING_END = 70;
const GENERATION_END = 99;
/** Scale of the asymptotic curves used when the end is unknown. */
const UNKNOWN_SIZE_SCALE_BYTES = 200_000_000;
const ANSWER_SCALE_CHARACTERS = 4_000;

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
      return start + approach(GENERATION_END - start, job.text.length, ANSWER_SCALE_CHARACTERS);
    }
    default:
      return 100;
  }
}
