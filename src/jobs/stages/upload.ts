/**
 * `upload`: streams the source into a resumable Files API upload, from the
 * last byte Gemini confirmed. The row is the checkpoint: an interrupted
 * upload asks Gemini how far it got and carries on from there, never from
 * zero. Before the first byte goes up, a file already kept for the same
 * version of the source (here, or by another object) is read instead.
 * @module
 */
import { queryUpload, startUpload, UPLOAD_CHUNK_BYTES, uploadChunk } from "../../gemini/upload";
import { megabytes } from "../../ids/units";
import { videoMimeType } from "../../video/mime";
import { ChunkReader, openVideoSource, tooLarge, VideoSourceError, type OpenedSource } from "../../video/source";
import { isRetryableSourceError } from "../../video/source-error";
import { sourceTagOf } from "../video-files";
import { rememberFile } from "./keep-file";
import { reuseFile } from "./resolve-source";
import { shareUpload } from "./share-upload";
import { oneStep, type StageRun } from "./stage";

/** Tasks' limit for one attempt, above the download's and upload's own stall limits; see `run-job.ts`. */
const TIMEOUT_MS = 6 * 3600_000;

export const upload = oneStep(
  "upload",
  TIMEOUT_MS,
  (job) => job.state === "uploading" && job.fileUri === null && job.input.source.kind !== "upload",
  uploadVideo
);

/**
 * A dropped download starts over from the checkpoint: the upload session
 * says how far it got, and the source is reopened there. Gemini's calls
 * have their own attempts inside, so only the download's failures are
 * retried here: no call is ever tried more than MAX_ATTEMPTS times.
 */
async function uploadVideo(run: StageRun): Promise<void> {
  if (await shareUpload(run)) return;
  await run.retrying("The download was interrupted", () => uploadFromCheckpoint(run), isRetryableSourceError);
}

async function uploadFromCheckpoint(run: StageRun): Promise<void> {
  const { context, target, signal } = run;
  const { maxVideoBytes } = context;
  const { uploadUrl } = run.job;
  let offset = uploadUrl ? await run.retrying("Resuming the upload", () => queryUpload(target, uploadUrl, signal)) : 0;
  const source = await openVideoSource(run.job.input.source.url, {
    fetch: context.fetch,
    allowPrivate: context.allowPrivateVideoUrls,
    maxBytes: maxVideoBytes,
    timeouts: context.sourceTimeouts,
    offset,
    signal
  });
  const reader = new ChunkReader(source, UPLOAD_CHUNK_BYTES);
  try {
    await reader.skip(offset - source.startsAt);
    const totalBytes = source.totalBytes ?? run.job.totalBytes;
    let chunk = await reader.next();
    if (!chunk) throw new VideoSourceError("The video URL returned no data.");
    const sessionUrl = uploadUrl ?? (await startOrReuse(run, source, totalBytes, chunk.bytes));
    if (!sessionUrl) return;
    while (chunk) {
      signal.throwIfAborted();
      const end = offset + chunk.bytes.byteLength;
      if (end > maxVideoBytes) throw new VideoSourceError(tooLarge(end, maxVideoBytes));
      const { bytes, last } = chunk;
      const from = offset;
      const result = await run.retrying("Uploading", () => uploadChunk(target, sessionUrl, from, bytes, last, signal));
      offset = end;
      if (result.file) {
        run.update({
          state: "processing",
          bytesUploaded: offset,
          totalBytes: totalBytes ?? offset,
          uploadUrl: null,
          fileName: result.file.name,
          fileUri: result.file.uri,
          message: "Gemini is processing the video"
        });
        return;
      }
      const of = totalBytes !== null ? ` / ${megabytes(totalBytes)}` : "";
      run.update({ bytesUploaded: offset, message: `uploading ${megabytes(offset)}${of} MB` });
      chunk = await reader.next();
    }
    throw new VideoSourceError("The upload ended without Gemini confirming the file.");
  } finally {
    await reader.cancel();
  }
}

/**
 * Before the first byte: a file kept for the same version of the source
 * (here, or by another object) is read instead, and nothing is uploaded
 * (undefined); otherwise a new upload session, recorded in the job.
 */
async function startOrReuse(
  run: StageRun,
  source: OpenedSource,
  totalBytes: number | null,
  firstBytes: Uint8Array
): Promise<string | undefined> {
  const { context, job } = run;
  const sourceTag = sourceTagOf(source.response.headers, totalBytes);
  const kept = context.files.usable(job.input.source.url);
  if (kept && sourceTag !== null && kept.sourceTag === sourceTag) {
    reuseFile(run, kept);
    return undefined;
  }
  const shared =
    sourceTag === null ? undefined : await context.shared.find(job.input.source.url, sourceTag).catch(() => undefined);
  if (shared) {
    // Kept here too, for follow-ups; the object that keeps it decides when it goes.
    await rememberFile(context, job.id, shared);
    reuseFile(run, shared);
    return undefined;
  }
  const mimeType = videoMimeType(source.contentType, source.url, firstBytes);
  if (!mimeType) {
    throw new VideoSourceError(
      `This URL does not serve a video (Content-Type ${source.contentType ?? "missing"}, and its first bytes match no video format).`
    );
  }
  const uploadUrl = await run.retrying("Starting the upload", () =>
    startUpload(run.target, { mimeType, totalBytes, displayName: job.id }, run.signal)
  );
  run.update({ uploadUrl, mimeType, totalBytes }, sourceTag !== null ? { sourceTag } : {});
  return uploadUrl;
}
