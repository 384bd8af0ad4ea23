/**
 * `wait-upload`: an analysis of a file the user uploads (`upload:<id>`)
 * waits for its last byte, saying how far the upload got, then reads the
 * upload's Gemini file as is. The file is the upload's: the job neither
 * keeps nor deletes it. An upload that expires or is deleted meanwhile ends
 * the job with a clear error.
 * @module
 */
import { UserFacingError } from "../../errors";
import { bytesPercent } from "../job-progress";
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

/** An upload whose last byte Gemini has: its file, read as is. */
export interface CompleteUpload {
  fileName: string;
  fileUri: string;
  mimeType: string;
  /** The file's name as its uploader gave it. */
  uploadName: string;
  bytes: number;
}

/**
 * Waits for the upload's last byte, telling `waiting` how far it got between
 * polls; throws `UploadSourceError` for an upload never made, expired or deleted.
 */
export async function awaitUpload(
  run: StageRun,
  uploadId: string,
  waiting: (progress: { percent: number; offset: number; length: number | null }) => void
): Promise<CompleteUpload> {
  for (;;) {
    run.signal.throwIfAborted();
    const status = await run.context.userUploads.status(uploadId);
    if (!status) throw new UploadSourceError(`There is no upload ${uploadId}; make one with createVideoUpload.`);
    if (status.state === "expired" || status.state === "deleted") {
      throw new UploadSourceError(
        `The upload ${uploadId} ${status.state === "expired" ? "expired" : "was deleted"}; upload the file again with createVideoUpload.`
      );
    }
    const { geminiFileName, geminiFileUri, length, offset } = status;
    if (status.state === "complete" && geminiFileName && geminiFileUri) {
      return {
        fileName: geminiFileName,
        fileUri: geminiFileUri,
        mimeType: status.mimeType ?? "video/mp4",
        uploadName: status.fileName,
        bytes: length ?? offset
      };
    }
    waiting({ percent: length ? bytesPercent(offset, length, "text") : 0, offset, length });
    await run.context.sleep(UPLOAD_POLL_MS, run.signal);
  }
}

async function waitForUpload(run: StageRun): Promise<void> {
  const { source } = run.job.input;
  if (source.kind !== "upload") return;
  const upload = await awaitUpload(run, source.uploadId, ({ percent, offset, length }) =>
    run.update({ bytesUploaded: offset, totalBytes: length, message: `waiting for the upload: ${percent} %` })
  );
  run.update(
    {
      state: "processing",
      fileName: upload.fileName,
      fileUri: upload.fileUri,
      mimeType: upload.mimeType,
      bytesUploaded: upload.bytes,
      totalBytes: upload.bytes,
      message: "Gemini is processing the video"
    },
    { reusedFile: true, uploadName: upload.uploadName }
  );
}
