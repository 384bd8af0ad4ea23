/**
 * `videos`: a question about several videos (`input.videos`) has each of
 * them made readable side by side: a YouTube link as is, an earlier job's
 * file as is, a user's upload (`upload:<id>`) waited for and read as is, a
 * file kept for the same version of the source (here or by another object)
 * read again, anything else uploaded and processed, then kept for later
 * questions about it like any upload (`keep-file.ts`). The
 * progress says where each stands ("video 2 of 3 uploading 40 %"). The job
 * then goes on to `count`, which counts (and prices) the whole request.
 *
 * One step: a restart uploads again a video whose upload had not finished
 * (the finished ones are kept, and read again).
 * @module
 */
import { startUpload, UPLOAD_CHUNK_BYTES, uploadChunk } from "../../gemini/upload";
import { videoMimeType } from "../../video/mime";
import { ChunkReader, openVideoSource, tooLarge, VideoSourceError } from "../../video/source";
import type { PreparedVideo, SetVideo } from "../job";
import { jobOwnerSession } from "../job-id";
import { bytesPercent } from "../job-progress";
import { DEFAULT_FILE_LIFETIME_MS, sourceTagOf, type VideoFile } from "../video-files";
import { totalSecondsOf, videoOrdinal } from "../video-set";
import { rememberFile } from "./keep-file";
import { YOUTUBE_MIME_TYPE } from "./resolve-source";
import { oneStep, type StageRun } from "./stage";
import { durationSeconds, FILE_POLL_INTERVAL_MS, GeminiFileError, MAX_PROCESSING_MS } from "./wait-active";
import { awaitUpload } from "./wait-upload";

/** Tasks' limit for one attempt, as `upload`'s; see `run-job.ts`. */
const TIMEOUT_MS = 6 * 3600_000;

export const prepareVideos = oneStep(
  "videos",
  TIMEOUT_MS,
  // Queued, or uploading still when a restart stopped the step (it then runs again).
  (job) =>
    (job.state === "queued" || job.state === "uploading") && job.input.videos !== undefined && job.details.videos === undefined,
  prepare
);

/** Where one video of the set stands, for the progress message and the job's byte counts. */
interface VideoProgress {
  status: string;
  bytesUploaded: number;
  totalBytes: number | null;
}

async function prepare(run: StageRun): Promise<void> {
  // SAFETY: the stage applies only to a job with a set of videos.
  const videos = run.job.input.videos!;
  const progress: VideoProgress[] = videos.map(() => ({ status: "waiting", bytesUploaded: 0, totalBytes: null }));
  const report = (index: number, change: Partial<VideoProgress>) => {
    // SAFETY: `index` is a video's place in `videos`, and `progress` holds one entry per video.
    Object.assign(progress[index]!, change);
    const totals = progress.map((video) => video.totalBytes);
    run.update({
      message: progress.map((video, at) => `${videoOrdinal(at, videos.length)} ${video.status}`).join("; "),
      bytesUploaded: progress.reduce((sum, video) => sum + video.bytesUploaded, 0),
      totalBytes: totals.every((bytes) => bytes !== null) ? totals.reduce((sum, bytes) => sum + bytes, 0) : null
    });
  };
  run.update({ state: "uploading", message: `preparing ${videos.length} videos` });
  const prepared = await Promise.all(videos.map((video, index) => prepareOne(run, video, (change) => report(index, change))));
  // SAFETY: a set has at least two videos.
  const first = prepared[0]!;
  const totalSeconds = totalSecondsOf(prepared);
  run.update(
    { fileUri: first.fileUri, mimeType: first.mimeType, message: `${videos.length} videos ready` },
    { videos: prepared, ...(totalSeconds !== undefined ? { durationSeconds: totalSeconds } : {}) }
  );
}

type Report = (change: Partial<VideoProgress>) => void;

async function prepareOne(run: StageRun, video: SetVideo, report: Report): Promise<PreparedVideo> {
  const { source, followUp } = video;
  if (source.kind === "youtube") {
    report({ status: "ready (YouTube)" });
    return { fileName: null, fileUri: source.url, mimeType: YOUTUBE_MIME_TYPE };
  }
  // An earlier job's file is read as is, unless this session has since let it go (as `resolve` does).
  const sameSession = followUp !== undefined && jobOwnerSession(followUp.jobId) === jobOwnerSession(run.job.id);
  const released = sameSession && followUp.fileName !== null && !run.context.files.holds(followUp.fileName);
  if (followUp && !released) {
    report({ status: "reusing its earlier upload" });
    return {
      fileName: followUp.fileName,
      fileUri: followUp.fileUri,
      mimeType: followUp.mimeType,
      ...(followUp.durationSeconds !== undefined ? { durationSeconds: followUp.durationSeconds } : {}),
      reused: true
    };
  }
  if (source.kind === "upload") return userUpload(run, source.uploadId, report);
  return uploadOne(run, source.url, report);
}

/** A file the user uploads (`upload:<id>`): waited for, then read as is; the upload keeps its own file. */
async function userUpload(run: StageRun, uploadId: string, report: Report): Promise<PreparedVideo> {
  const upload = await awaitUpload(run, uploadId, ({ percent, offset, length }) =>
    report({ status: `waiting for the upload: ${percent} %`, bytesUploaded: offset, totalBytes: length })
  );
  report({ status: "being processed by Gemini", bytesUploaded: upload.bytes, totalBytes: upload.bytes });
  const active = await waitUntilActive(run, upload.fileName);
  report({ status: "ready" });
  return {
    fileName: upload.fileName,
    fileUri: upload.fileUri,
    mimeType: upload.mimeType,
    ...(active.durationSeconds !== undefined ? { durationSeconds: active.durationSeconds } : {}),
    reused: true
  };
}

/** A file kept for `videoUrl` read again, or the video uploaded, processed by Gemini, and kept. */
async function uploadOne(run: StageRun, videoUrl: string, report: Report): Promise<PreparedVideo> {
  const { context, target, signal } = run;
  report({ status: "downloading" });
  const opened = await openVideoSource(videoUrl, {
    fetch: context.fetch,
    allowPrivate: context.allowPrivateVideoUrls,
    maxBytes: context.maxVideoBytes,
    timeouts: context.sourceTimeouts,
    offset: 0,
    signal
  });
  const reader = new ChunkReader(opened, UPLOAD_CHUNK_BYTES);
  let file: { name: string; uri: string };
  let mimeType: string;
  const { totalBytes } = opened;
  const sourceTag = sourceTagOf(opened.response.headers, totalBytes);
  try {
    let chunk = await reader.next();
    if (!chunk) throw new VideoSourceError("The video URL returned no data.");
    const kept = context.files.usable(videoUrl);
    const shared = sourceTag === null ? undefined : await context.shared.find(videoUrl, sourceTag).catch(() => undefined);
    const earlier = kept && sourceTag !== null && kept.sourceTag === sourceTag ? kept : shared;
    if (earlier) {
      if (earlier === shared) await rememberFile(context, run.job.id, earlier);
      report({ status: "reusing the video uploaded earlier" });
      return {
        fileName: earlier.fileName,
        fileUri: earlier.fileUri,
        mimeType: earlier.mimeType,
        ...(earlier.durationSeconds !== null ? { durationSeconds: earlier.durationSeconds } : {}),
        reused: true
      };
    }
    const sniffed = videoMimeType(opened.contentType, opened.url, chunk.bytes);
    if (!sniffed) {
      throw new VideoSourceError(
        `${videoUrl} does not serve a video (Content-Type ${opened.contentType ?? "missing"}, and its first bytes match no video format).`
      );
    }
    mimeType = sniffed;
    const sessionUrl = await run.retrying("Starting an upload", () =>
      startUpload(target, { mimeType, totalBytes, displayName: run.job.id }, signal)
    );
    let offset = 0;
    let confirmed: { name: string; uri: string } | undefined;
    while (chunk && !confirmed) {
      signal.throwIfAborted();
      const end = offset + chunk.bytes.byteLength;
      if (end > context.maxVideoBytes) throw new VideoSourceError(tooLarge(end, context.maxVideoBytes));
      const { bytes, last } = chunk;
      const from = offset;
      const result = await run.retrying("Uploading", () => uploadChunk(target, sessionUrl, from, bytes, last, signal));
      offset = end;
      confirmed = result.file;
      const percent = totalBytes ? ` ${bytesPercent(offset, totalBytes, "text")} %` : "";
      report({ status: `uploading${percent}`, bytesUploaded: offset, totalBytes: totalBytes ?? offset });
      if (!confirmed) chunk = await reader.next();
    }
    if (!confirmed) throw new VideoSourceError("The upload ended without Gemini confirming the file.");
    file = confirmed;
  } finally {
    await reader.cancel();
  }
  report({ status: "being processed by Gemini" });
  const active = await waitUntilActive(run, file.name);
  const kept: VideoFile = {
    videoUrl,
    sourceTag,
    fileName: file.name,
    fileUri: file.uri,
    mimeType,
    durationSeconds: active.durationSeconds ?? null,
    expiresAt: active.expiresAt
  };
  await rememberFile(context, run.job.id, kept);
  await context.shared.offer(kept).catch(() => {});
  report({ status: "ready" });
  return {
    fileName: file.name,
    fileUri: file.uri,
    mimeType,
    ...(active.durationSeconds !== undefined ? { durationSeconds: active.durationSeconds } : {})
  };
}

/** Polls the file until Gemini says it is ACTIVE: its length and when it expires. */
async function waitUntilActive(run: StageRun, name: string): Promise<{ durationSeconds?: number; expiresAt: number }> {
  const startedAt = Date.now();
  for (;;) {
    const file = await run.retrying("Checking an uploaded file", () =>
      run.ai.files.get({ name, config: { abortSignal: run.signal } })
    );
    if (file.state === "ACTIVE") {
      const seconds = durationSeconds(file.videoMetadata?.videoDuration);
      const expiresAt = file.expirationTime ? Date.parse(file.expirationTime) : Number.NaN;
      return {
        ...(seconds !== undefined ? { durationSeconds: seconds } : {}),
        expiresAt: Number.isFinite(expiresAt) ? expiresAt : Date.now() + DEFAULT_FILE_LIFETIME_MS
      };
    }
    if (file.state === "FAILED") {
      throw new GeminiFileError(`Gemini could not process a video${file.error?.message ? `: ${file.error.message}` : ""}.`);
    }
    if (Date.now() - startedAt > MAX_PROCESSING_MS) {
      throw new GeminiFileError(`Gemini was still processing a video after ${MAX_PROCESSING_MS / 60_000} minutes.`);
    }
    await run.context.sleep(FILE_POLL_INTERVAL_MS, run.signal);
  }
}
