/**
 * A video is uploaded once however many jobs of the session ask about it:
 * while an earlier live job uploads the same source, a later one waits for that
 * upload and reads the same file (which is then deleted only once no live
 * job reads it, see `JobManager.releaseFile`).
 * @module
 */
import type { Job } from "../job";
import type { StageRun } from "./stage";
import { FILE_POLL_INTERVAL_MS } from "./wait-active";

/**
 * Waits for a sibling's upload and takes its file: true once the job reads
 * it (processing). False when there is none, or it ended without a file:
 * this job uploads.
 */
export async function shareUpload(run: StageRun): Promise<boolean> {
  if (run.job.uploadUrl) return false;
  let announced = false;
  for (;;) {
    const sibling = uploadingSibling(run);
    if (!sibling) return false;
    if (sibling.fileName && sibling.fileUri) {
      const { durationSeconds, sourceTag } = sibling.details;
      run.update(
        {
          state: "processing",
          fileName: sibling.fileName,
          fileUri: sibling.fileUri,
          mimeType: sibling.mimeType,
          totalBytes: sibling.totalBytes,
          bytesUploaded: sibling.bytesUploaded,
          message: "reading another analysis's upload of this video"
        },
        {
          sharedUploadOf: sibling.id,
          ...(sourceTag !== undefined ? { sourceTag } : {}),
          ...(durationSeconds !== undefined ? { durationSeconds } : {})
        }
      );
      return true;
    }
    // Not named: in a video's object (session/source-affinity.ts) the other job may be another caller's.
    if (!announced) run.update({ message: "waiting for another analysis's upload of this video" });
    announced = true;
    await run.context.sleep(FILE_POLL_INTERVAL_MS, run.signal);
  }
}

/** The earliest live job before this one that uploads (or has uploaded) the same URL itself. */
function uploadingSibling(run: StageRun): Job | undefined {
  const active = run.context.store.active();
  const mine = active.findIndex((job) => job.id === run.job.id);
  const earlier = mine > 0 ? active.slice(0, mine) : [];
  return earlier.find(
    (job) =>
      job.input.source.url === run.job.input.source.url &&
      !job.details.reusedFile &&
      !job.details.sharedUploadOf &&
      (job.state === "uploading" || job.fileName !== null)
  );
}
