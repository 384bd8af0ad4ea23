/**
 * `wait-upload`: an analysis of a file the user uploads (`upload:<id>`)
 * waits for its last byte, saying how far the upload got, then reads the
 * upload's Gemini file as is. The file is the upload's: the job neither
 * keeps nor deletes it. An upload that expires or is deleted meanwhile ends
 * the job with a clear error.
 * @module
 */
import { UserFacingError } from "../../errors";
import { oneStep, type StageRun } from "./stage";

/** How often the upload is asked how far it got. */
export const UPLOAD_POLL_MS = 2_000;
/** Tasks' limit for one attempt: above the longest an upload may live (48 h). */
const TIMEOUT_MS = 49 * 3600_000;

export class UploadSourceError extends UserFacingError {
  constructor(message: string) {
    super(message);
    this.name = "UploadSourceError";
  }
}

export const waitUpload = oneStep(
  "wait-upload",
  TIMEOUT_MS,
  (job) => job.state === "uploading" && job.fileUri === null && job.input.source.kind === "upload",
  waitForUpload
);

async function waitForUpload(run: StageRun): Promise<void> {
  const { source } = run.job.input;
  if (source.kind !== "upload") return;
  const { uploadId } = source;
  for (;;) {
    run.signal.throwIfAborted();
    const status = await run.context.userUploads.status(uploadId);
    if (!status) throw new UploadSourceError(`There is no upload ${uploadId}; make one with createVideoUpload.`);
    if (status.state === "expired" || status.state === "deleted") {
      throw new UploadSourceError(
        `The upload ${uploadId} ${status.state === "expired" ? "expired" : "was deleted"}; upload the file again with createVideoUpload.`
      );
    }
    const { geminiFileName, geminiFileUri, length } = status;
    if (status.state === "complete" && geminiFileName && geminiFileUri) {
      run.update(
        {
          state: "processing",
          fileName: geminiFileName,
          fileUri: geminiFileUri,
          mimeType: status.mimeType ?? "video/mp4",
          bytesUploaded: status.offset,
          totalBytes: length ?? status.offset,
          message: "Gemini is processing the video"
        },
        { reusedFile: true, uploadName: status.fileName }
      );
      return;
    }
    const percent = length ? Math.floor((status.offset * 100) / length) : 0;
    run.update({ bytesUploaded: status.offset, totalBytes: length, message: `waiting for the upload: ${percent} %` });
    await run.context.sleep(UPLOAD_POLL_MS, run.signal);
  }
}
