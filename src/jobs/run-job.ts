/**
 * Runs one analysis job from whatever stage it is in to a final state,
 * writing a checkpoint at every step so that a restart can carry on:
 *
 * queued → uploading (stream the source into a resumable Files API upload)
 *        → processing (poll the file until ACTIVE) → generating → done;
 * YouTube links skip straight to generating, and so does a video this
 * session uploaded before (same URL, same ETag or size). Before generating,
 * Gemini counts the request's input tokens (see `checkInputTokens`) and a
 * request over the model's limit is refused. Any failure ends the job as
 * failed with a readable error; an abort ends it as cancelled. An uploaded
 * file is kept for follow-up questions once Gemini has processed it (see
 * `VideoFiles`), and deleted otherwise.
 * @module
 */
import { UserFacingError } from "../errors";
import { ApiError, type GoogleGenAI } from "@google/genai";
import { checkAnswer, responseJsonSchema } from "../analysis/formats";
import type { GeminiSettings } from "../config";
import { askGeminiAboutVideo, NoAnswerError, type VideoQuestion } from "../gemini/analyze";
import { createGeminiClient } from "../gemini/client";
import { describeGeminiError } from "../gemini/errors";
import { describeFinishReason } from "../gemini/finish-reasons";
import { prefetchInputTokenLimit } from "../gemini/models";
import { withRetry, type RetryNotice } from "../gemini/retry";
import { queryUpload, startUpload, UPLOAD_CHUNK_BYTES, uploadChunk, type UploadTarget } from "../gemini/upload";
import { matchYouTube } from "../gemini/youtube";
import type { FetchLike } from "../http/fetch-like";
import { megabytes } from "../ids/units";
import { videoMimeType } from "../video/mime";
import { toGeminiOffset } from "../video/offset";
import { ChunkReader, openVideoSource, tooLarge, VideoSourceError } from "../video/source";
import { isRetryableSourceError } from "../video/source-error";
import type { SourceTimeouts } from "../video/source";
import { VideoUrlError } from "../video/url-guard";
import { isFinal, type Job, type JobDetails } from "./job";
import { jobOwnerSession } from "./job-id";
import type { ReleaseFileOptions } from "./job-service";
import { JobStop } from "./job-stop";
import type { JobStore, JobUpdate } from "./job-store";
import { checkInputTokens, ContextLimitError } from "./token-check";
import { DEFAULT_FILE_LIFETIME_MS, sourceTagOf, type VideoFile, type VideoFiles } from "./video-files";

/** Gemini accepts YouTube links as `fileData` with a video MIME type. */
const YOUTUBE_MIME_TYPE = "video/mp4";
export const FILE_POLL_INTERVAL_MS = 2_000;
export const MAX_PROCESSING_MS = 15 * 60_000;
/** Gemini's words for a file it no longer has: "files/abc is not found", "access the File abc or it may not exist". */
const MENTIONS_A_FILE = /\bfiles?\b/i;

export class GeminiFileError extends UserFacingError {
  constructor(message: string) {
    super(message);
    this.name = "GeminiFileError";
  }
}

export interface JobContext {
  store: JobStore;
  files: VideoFiles;
  gemini: GeminiSettings;
  fetch: FetchLike;
  allowPrivateVideoUrls: boolean;
  maxVideoBytes: number;
  sourceTimeouts: SourceTimeouts;
  /** Waits `ms` on the session's alarm; rejects when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Called after every change of the job. */
  changed(job: Job): void;
  /** Deletes a Gemini file unless another live job reads it (see `JobManager.releaseFile`). */
  releaseFile(fileName: string, options: ReleaseFileOptions): Promise<void>;
}

/** `"123.4s"` (a protobuf Duration, as in the file's `videoMetadata`) in seconds. */
function durationSeconds(value: unknown): number | undefined {
  const seconds = typeof value === "string" ? Number(/^([\d.]+)s$/.exec(value)?.[1]) : Number.NaN;
  return Number.isFinite(seconds) ? seconds : undefined;
}

function retryMessage(what: string, { attempt, delayMs, error }: RetryNotice): string {
  return `${what}: ${describeGeminiError(error)} Retrying in ${Math.ceil(delayMs / 1000)} s (attempt ${attempt + 1}).`;
}

class JobRun {
  private job: Job;
  private readonly target: UploadTarget;

  constructor(
    private readonly context: JobContext,
    jobId: string,
    private readonly ai: GoogleGenAI,
    private readonly signal: AbortSignal
  ) {
    this.job = context.store.get(jobId)!;
    this.target = { apiKey: context.gemini.apiKey!, baseUrl: context.gemini.baseUrl, fetch: context.fetch };
  }

  private update(update: JobUpdate & { details?: never }, details?: JobDetails): Job {
    const merged = details ? { ...update, details: { ...this.job.details, ...details } } : update;
    this.job = this.context.store.update(this.job.id, merged);
    this.context.changed(this.job);
    return this.job;
  }

  /** Runs `operation` with bounded retries; `retryable` replaces the judgement of Gemini's errors. */
  private retrying<T>(what: string, operation: () => Promise<T>, retryable?: (error: unknown) => boolean): Promise<T> {
    return withRetry(operation, {
      sleep: (ms, signal) => this.context.sleep(ms, signal),
      signal: this.signal,
      onRetry: (notice) => void this.update({ message: retryMessage(what, notice) }),
      ...(retryable ? { retryable } : {})
    });
  }

  async run(): Promise<Job> {
    try {
      if (this.job.state === "queued") await this.route();
      if (this.job.state === "uploading") await this.upload();
      if (this.job.state === "processing") await this.waitUntilActive();
      if (this.job.state === "generating") await this.generate();
    } catch (error) {
      if (this.signal.aborted) {
        const stop: unknown = this.signal.reason;
        const reason = stop instanceof Error ? stop.message : String(stop ?? "");
        const resumable =
          stop instanceof JobStop && stop.keepUpload && (this.job.uploadUrl !== null || this.job.fileName !== null);
        this.update(
          { state: "cancelled", message: "cancelled", error: `Cancelled${reason ? `: ${reason}` : ""}` },
          resumable ? { resumable } : {}
        );
      } else {
        if (
          this.job.fileName &&
          error instanceof ApiError &&
          [403, 404].includes(error.status) &&
          MENTIONS_A_FILE.test(error.message)
        ) {
          // The kept copy is gone or unreadable: the next request uploads afresh.
          this.context.files.forget(this.job.fileName);
        }
        this.update({ state: "failed", message: "failed", error: describeGeminiError(error) });
      }
    } finally {
      if (isFinal(this.job)) await this.releaseFile();
    }
    return this.job;
  }

  /**
   * A finished job's upload: kept when a later job carries on from it, or
   * when it is kept for follow-ups (unless the job was cancelled); deleted
   * otherwise, unless another job reads it.
   */
  private async releaseFile(): Promise<void> {
    const { fileName, details, state } = this.job;
    if (!fileName || details.resumable || details.reusedFile) return;
    await this.context.releaseFile(fileName, { exceptJobId: this.job.id, evenIfKept: state === "cancelled" });
  }

  private async route(): Promise<void> {
    const youTube = matchYouTube(new URL(this.job.input.videoUrl));
    if (youTube.kind === "not-a-video") throw new VideoUrlError(youTube.reason);
    if (youTube.kind === "video") {
      this.update({ fileUri: youTube.url, mimeType: YOUTUBE_MIME_TYPE });
      await this.startGenerating();
      return;
    }
    // Ready by the time the processed video's tokens are checked against it.
    prefetchInputTokenLimit(this.ai, this.job.input.model);
    // A follow-up reads the earlier job's file as is (its source may be gone by now),
    // unless this session has since let that file go.
    const earlier = this.job.input.followUp;
    const sameSession = earlier !== undefined && jobOwnerSession(earlier.jobId) === jobOwnerSession(this.job.id);
    const released = sameSession && earlier.fileName !== null && !this.context.files.holds(earlier.fileName);
    if (earlier && !released) await this.reuse(earlier);
    else this.update({ state: "uploading", message: "downloading the video" });
  }

  private async reuse(
    file: Pick<VideoFile, "fileUri" | "mimeType"> & { fileName: string | null; durationSeconds?: number | null | undefined }
  ): Promise<void> {
    this.update(
      { fileName: file.fileName, fileUri: file.fileUri, mimeType: file.mimeType, message: "reusing the video uploaded earlier" },
      { reusedFile: true, ...(typeof file.durationSeconds === "number" ? { durationSeconds: file.durationSeconds } : {}) }
    );
    await this.startGenerating();
  }

  /**
   * Counts the request's input tokens, refuses it when it is over the
   * model's limit, and moves to generating, saying what it will cost.
   */
  private async startGenerating(): Promise<void> {
    this.update({ message: "counting the video's input tokens" });
    const { details, message, refusal } = await checkInputTokens(
      { input: this.job.input, durationSeconds: this.job.details.durationSeconds, question: this.question() },
      { ai: this.ai, target: this.target, signal: this.signal }
    );
    if (refusal) {
      this.update({}, details);
      throw new ContextLimitError(refusal);
    }
    this.update({ state: "generating", message }, details);
  }

  /**
   * Streams the source into the upload from the last confirmed byte. A
   * dropped download starts over from the checkpoint: the upload session
   * says how far it got, and the source is reopened there. Gemini's calls
   * have their own attempts inside, so only the download's failures are
   * retried here: no call is ever tried more than MAX_ATTEMPTS times.
   */
  private async upload(): Promise<void> {
    if (await this.shareUpload()) return;
    await this.retrying("The download was interrupted", () => this.uploadFromCheckpoint(), isRetryableSourceError);
  }

  /**
   * A video is uploaded once however many jobs ask about it: while an
   * earlier live job of the session uploads the same URL, this one waits
   * for that upload and reads the same file (which is then deleted only
   * once no live job reads it, see `JobManager.releaseFile`). False when
   * there is none, or it ended without a file: this job uploads.
   */
  private async shareUpload(): Promise<boolean> {
    if (this.job.uploadUrl) return false;
    let announced = false;
    for (;;) {
      const sibling = this.uploadingSibling();
      if (!sibling) return false;
      if (sibling.fileName && sibling.fileUri) {
        const { durationSeconds, sourceTag } = sibling.details;
        this.update(
          {
            state: "processing",
            fileName: sibling.fileName,
            fileUri: sibling.fileUri,
            mimeType: sibling.mimeType,
            totalBytes: sibling.totalBytes,
            bytesUploaded: sibling.bytesUploaded,
            message: `reading the upload of job ${sibling.id}, which asks about the same video`
          },
          {
            sharedUploadOf: sibling.id,
            ...(sourceTag !== undefined ? { sourceTag } : {}),
            ...(durationSeconds !== undefined ? { durationSeconds } : {})
          }
        );
        return true;
      }
      if (!announced) this.update({ message: `waiting for job ${sibling.id}, which uploads the same video` });
      announced = true;
      await this.context.sleep(FILE_POLL_INTERVAL_MS, this.signal);
    }
  }

  /** The earliest live job before this one that uploads (or has uploaded) the same URL itself. */
  private uploadingSibling(): Job | undefined {
    const active = this.context.store.active();
    const mine = active.findIndex((job) => job.id === this.job.id);
    const earlier = mine > 0 ? active.slice(0, mine) : [];
    return earlier.find(
      (job) =>
        job.input.videoUrl === this.job.input.videoUrl &&
        !job.details.reusedFile &&
        !job.details.sharedUploadOf &&
        (job.state === "uploading" || job.fileName !== null)
    );
  }

  private async uploadFromCheckpoint(): Promise<void> {
    const { maxVideoBytes } = this.context;
    let uploadUrl = this.job.uploadUrl;
    let offset = uploadUrl
      ? await this.retrying("Resuming the upload", () => queryUpload(this.target, uploadUrl!, this.signal))
      : 0;
    const source = await openVideoSource(this.job.input.videoUrl, {
      fetch: this.context.fetch,
      allowPrivate: this.context.allowPrivateVideoUrls,
      maxBytes: maxVideoBytes,
      timeouts: this.context.sourceTimeouts,
      offset,
      signal: this.signal
    });
    const reader = new ChunkReader(source, UPLOAD_CHUNK_BYTES);
    try {
      await reader.skip(offset - source.startsAt);
      const totalBytes = source.totalBytes ?? this.job.totalBytes;
      let chunk = await reader.next();
      if (!chunk) throw new VideoSourceError("The video URL returned no data.");
      if (!uploadUrl) {
        const sourceTag = sourceTagOf(source.response.headers.get("ETag"), totalBytes);
        const kept = this.context.files.usable(this.job.input.videoUrl);
        if (kept && sourceTag !== null && kept.sourceTag === sourceTag) {
          await this.reuse(kept);
          return;
        }
        const mimeType = videoMimeType(source.contentType, source.url, chunk.bytes);
        if (!mimeType) {
          throw new VideoSourceError(
            `This URL does not serve a video (Content-Type ${source.contentType ?? "missing"}, and its first bytes match no video format).`
          );
        }
        uploadUrl = await this.retrying("Starting the upload", () =>
          startUpload(this.target, { mimeType, totalBytes, displayName: this.job.id }, this.signal)
        );
        this.update({ uploadUrl, mimeType, totalBytes }, sourceTag !== null ? { sourceTag } : {});
      }
      while (chunk) {
        this.signal.throwIfAborted();
        const end = offset + chunk.bytes.byteLength;
        if (end > maxVideoBytes) throw new VideoSourceError(tooLarge(end, maxVideoBytes));
        const { bytes, last } = chunk;
        const result = await this.retrying("Uploading", () =>
          uploadChunk(this.target, uploadUrl!, offset, bytes, last, this.signal)
        );
        offset = end;
        if (result.file) {
          this.update({
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
        this.update({ bytesUploaded: offset, message: `uploading ${megabytes(offset)}${of} MB` });
        chunk = await reader.next();
      }
      throw new VideoSourceError("The upload ended without Gemini confirming the file.");
    } finally {
      await reader.cancel();
    }
  }

  private async waitUntilActive(): Promise<void> {
    const startedAt = Date.now();
    for (;;) {
      this.signal.throwIfAborted();
      const file = await this.retrying("Checking the uploaded file", () =>
        this.ai.files.get({ name: this.job.fileName!, config: { abortSignal: this.signal } })
      );
      if (file.state === "ACTIVE") {
        const seconds = durationSeconds(file.videoMetadata?.videoDuration);
        if (seconds !== undefined) this.update({}, { durationSeconds: seconds });
        this.keep(file.expirationTime);
        await this.startGenerating();
        return;
      }
      if (file.state === "FAILED") {
        throw new GeminiFileError(
          `Gemini could not process the video${file.error?.message ? `: ${file.error.message}` : ""}. Check that it is a playable video file.`
        );
      }
      const elapsedMs = Date.now() - startedAt;
      if (elapsedMs > MAX_PROCESSING_MS) {
        throw new GeminiFileError(
          `Gemini was still processing the video after ${MAX_PROCESSING_MS / 60_000} minutes. Try a shorter or smaller video.`
        );
      }
      this.update({ message: `Gemini is processing the video (${Math.round(elapsedMs / 1000)} s)` });
      await this.context.sleep(FILE_POLL_INTERVAL_MS, this.signal);
    }
  }

  /** Keeps the processed file for follow-ups; the one it replaces is deleted. */
  private keep(expirationTime: string | undefined): void {
    const { fileName, fileUri, mimeType, details, input } = this.job;
    const expiresAt = expirationTime ? Date.parse(expirationTime) : Number.NaN;
    const replaced = this.context.files.remember({
      videoUrl: input.videoUrl,
      sourceTag: details.sourceTag ?? null,
      fileName: fileName!,
      fileUri: fileUri!,
      mimeType: mimeType!,
      durationSeconds: details.durationSeconds ?? null,
      expiresAt: Number.isFinite(expiresAt) ? expiresAt : Date.now() + DEFAULT_FILE_LIFETIME_MS
    });
    if (replaced) void this.context.releaseFile(replaced.fileName, { exceptJobId: this.job.id });
  }

  /** What generate sends, and what the token count counts. */
  private question(): VideoQuestion {
    const { input } = this.job;
    const schema = responseJsonSchema(input.format);
    return {
      model: input.model,
      fileUri: this.job.fileUri!,
      mimeType: this.job.mimeType ?? YOUTUBE_MIME_TYPE,
      prompt: input.prompt,
      videoMetadata: {
        ...(input.startSeconds !== undefined ? { startOffset: toGeminiOffset(input.startSeconds) } : {}),
        ...(input.endSeconds !== undefined ? { endOffset: toGeminiOffset(input.endSeconds) } : {}),
        ...(input.fps !== undefined ? { fps: input.fps } : {})
      },
      ...(input.mediaResolution ? { mediaResolution: input.mediaResolution } : {}),
      ...(input.maxOutputTokens ? { maxOutputTokens: input.maxOutputTokens } : {}),
      ...(schema ? { responseJsonSchema: schema } : {})
    };
  }

  private async generate(): Promise<void> {
    const answer = await this.retrying("Asking Gemini", () => {
      this.signal.throwIfAborted();
      // A restart or a retry cannot continue a half-streamed answer: start it afresh.
      if (this.job.text) this.update({ text: "", message: "restarting the answer" });
      return askGeminiAboutVideo(this.ai, this.question(), {
        signal: this.signal,
        onText: (text) => {
          this.signal.throwIfAborted();
          this.update({ text, message: `generating: ${text.length.toLocaleString("en-US")} characters` });
        }
      });
    });
    // A stream cut short by the abort can end without an error: never call that done.
    this.signal.throwIfAborted();
    if (answer.finishReason === "MAX_TOKENS" && this.job.input.format && this.job.input.format !== "text") {
      throw new NoAnswerError(describeFinishReason(answer.finishReason, this.job.input.maxOutputTokens));
    }
    checkAnswer(this.job.input.format, answer.text);
    this.update(
      { state: "done", text: answer.text, usage: answer.usage ?? null, message: "done" },
      answer.finishReason ? { finishReason: answer.finishReason } : {}
    );
  }
}

/** Runs the job `jobId` to a final state and returns it. */
export async function runJob(context: JobContext, jobId: string, signal: AbortSignal): Promise<Job> {
  let ai: GoogleGenAI;
  try {
    ai = createGeminiClient(context.gemini, context.fetch);
  } catch (error) {
    const job = context.store.update(jobId, { state: "failed", message: "failed", error: describeGeminiError(error) });
    context.changed(job);
    return job;
  }
  return new JobRun(context, jobId, ai, signal).run();
}
