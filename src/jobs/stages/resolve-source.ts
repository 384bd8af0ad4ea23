/**
 * `resolve`: what Gemini will read. A YouTube link is read as is; a
 * follow-up reads the earlier job's file as is (its source may be gone by
 * now); anything else goes on to be uploaded (queued → uploading), unless
 * a cost cap refuses it first (`checkCostBeforeUpload`).
 * @module
 */
import { prefetchInputTokenLimit } from "../../gemini/models";
import { checkCostBeforeUpload, CostCapError } from "../cost-check";
import { jobOwnerSession } from "../job-id";
import type { VideoFile } from "../video-files";
import { oneStep, type StageRun } from "./stage";

/** Gemini accepts YouTube links as `fileData` with a video MIME type. */
export const YOUTUBE_MIME_TYPE = "video/mp4";

/** Tasks' limit for one attempt (its default is 5 minutes); see `run-job.ts`. */
const TIMEOUT_MS = 60_000;

export const resolveSource = oneStep(
  "resolve",
  TIMEOUT_MS,
  // A set of videos is resolved by `videos` (prepare-videos.ts).
  (job) => job.state === "queued" && job.input.videos === undefined,
  resolve
);

async function resolve(run: StageRun): Promise<void> {
  const { job } = run;
  const { source } = job.input;
  if (source.kind === "youtube") {
    run.update({ fileUri: source.url, mimeType: YOUTUBE_MIME_TYPE });
    return;
  }
  // Ready by the time the processed video's tokens are checked against it.
  prefetchInputTokenLimit(run.ai, job.input.model);
  // A follow-up reads the earlier job's file as is (its source may be gone by now),
  // unless this session has since let that file go.
  const earlier = job.input.followUp;
  const sameSession = earlier !== undefined && jobOwnerSession(earlier.jobId) === jobOwnerSession(job.id);
  const released = sameSession && earlier.fileName !== null && !run.context.files.holds(earlier.fileName);
  if (earlier && !released) {
    reuseFile(run, earlier);
    return;
  }
  const cost = await checkCostBeforeUpload(job.id, job.input, run.context.cost);
  if (cost.refusal) {
    run.update({}, cost.details);
    throw new CostCapError(cost.refusal);
  }
  const message = cost.summary ? `downloading the video (${cost.summary} for the clip, by its length)` : "downloading the video";
  run.update({ state: "uploading", message }, cost.details);
}

/** Reads a file uploaded before as is: the run goes on to `count`. */
export function reuseFile(
  run: StageRun,
  file: Pick<VideoFile, "fileUri" | "mimeType"> & { fileName: string | null; durationSeconds?: number | null | undefined }
): void {
  run.update(
    { fileName: file.fileName, fileUri: file.fileUri, mimeType: file.mimeType, message: "reusing the video uploaded earlier" },
    { reusedFile: true, ...(typeof file.durationSeconds === "number" ? { durationSeconds: file.durationSeconds } : {}) }
  );
}
