/**
 * Runs one analysis job from whatever stage it is in to a final state,
 * writing a checkpoint at every step so that a restart can carry on:
 *
 * queued → uploading (stream the source into a resumable Files API upload)
 *        → processing (poll the file until ACTIVE) → generating → done;
 * YouTube links skip straight to generating. Any failure ends the job as
 * failed with a readable error; an abort ends it as cancelled. The uploaded
 * file is deleted when the job ends.
 * @module
 */
import type { GoogleGenAI } from "@google/genai";
import type { GeminiSettings } from "../config";
import { askGeminiAboutVideo } from "../gemini/analyze";
import { createGeminiClient, type FetchLike } from "../gemini/client";
import { describeGeminiError } from "../gemini/errors";
import { withRetry, type RetryNotice } from "../gemini/retry";
import { queryUpload, startUpload, UPLOAD_CHUNK_BYTES, uploadChunk, type UploadTarget } from "../gemini/upload";
import { matchYouTube } from "../gemini/youtube";
import { videoMimeType } from "../video/mime";
import { ChunkReader, openVideoSource, tooLarge, VideoSourceError } from "../video/source";
import { VideoUrlError } from "../video/url-guard";
import { isFinal, type Job } from "./job";
import type { JobStore, JobUpdate } from "./job-store";

/** Gemini accepts YouTube links as `fileData` with a video MIME type. */
const YOUTUBE_MIME_TYPE = "video/mp4";
export const FILE_POLL_INTERVAL_MS = 2_000;
export const MAX_PROCESSING_MS = 15 * 60_000;

export class GeminiFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GeminiFileError";
  }
}

export interface JobContext {
  store: JobStore;
  gemini: GeminiSettings;
  fetch: FetchLike;
  allowPrivateVideoUrls: boolean;
  maxVideoBytes: number;
  /** Waits `ms` on the session's alarm; rejects when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Called after every change of the job. */
  changed(job: Job): void;
}

const megabytes = (bytes: number) => (bytes / 1_000_000).toFixed(1);

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

  private update(update: JobUpdate): Job {
    this.job = this.context.store.update(this.job.id, update);
    this.context.changed(this.job);
    return this.job;
  }

  private retrying<T>(what: string, operation: () => Promise<T>): Promise<T> {
    return withRetry(operation, {
      sleep: (ms, signal) => this.context.sleep(ms, signal),
      signal: this.signal,
      onRetry: (notice) => void this.update({ message: retryMessage(what, notice) })
    });
  }

  async run(): Promise<Job> {
    try {
      if (this.job.state === "queued") this.route();
      if (this.job.state === "uploading") await this.upload();
      if (this.job.state === "processing") await this.waitUntilActive();
      if (this.job.state === "generating") await this.generate();
    } catch (error) {
      if (this.signal.aborted) {
        const reason = this.signal.reason instanceof Error ? this.signal.reason.message : String(this.signal.reason ?? "");
        this.update({ state: "cancelled", message: "cancelled", error: `Cancelled${reason ? `: ${reason}` : ""}` });
      } else {
        this.update({ state: "failed", message: "failed", error: describeGeminiError(error) });
      }
    } finally {
      if (isFinal(this.job)) await this.deleteFile();
    }
    return this.job;
  }

  private route(): void {
    const youTube = matchYouTube(new URL(this.job.input.videoUrl));
    if (youTube.kind === "not-a-video") throw new VideoUrlError(youTube.reason);
    if (youTube.kind === "video") {
      this.update({
        state: "generating",
        fileUri: youTube.url,
        mimeType: YOUTUBE_MIME_TYPE,
        message: "Gemini is watching the video"
      });
    } else {
      this.update({ state: "uploading", message: "downloading the video" });
    }
  }

  /**
   * Streams the source into the upload from the last confirmed byte. A
   * dropped connection (source or Gemini) starts over from the checkpoint:
   * the upload session says how far it got, and the source is reopened there.
   */
  private async upload(): Promise<void> {
    await this.retrying("The transfer was interrupted", () => this.uploadFromCheckpoint());
  }

  private async uploadFromCheckpoint(): Promise<void> {
    const { maxVideoBytes } = this.context;
    let uploadUrl = this.job.uploadUrl;
    let offset = uploadUrl
      ? await this.retrying("Resuming the upload", () => queryUpload(this.target, uploadUrl!, this.signal))
      : 0;
    const source = await this.retrying("Downloading the video", () =>
      openVideoSource(this.job.input.videoUrl, {
        fetch: this.context.fetch,
        allowPrivate: this.context.allowPrivateVideoUrls,
        maxBytes: maxVideoBytes,
        offset,
        signal: this.signal
      })
    );
    const reader = new ChunkReader(source.response.body!, UPLOAD_CHUNK_BYTES);
    try {
      await reader.skip(offset - source.startsAt);
      const totalBytes = source.totalBytes ?? this.job.totalBytes;
      let chunk = await reader.next();
      if (!chunk) throw new VideoSourceError("The video URL returned no data.");
      if (!uploadUrl) {
        const mimeType = videoMimeType(source.contentType, source.url, chunk.bytes);
        if (!mimeType) {
          throw new VideoSourceError(
            `This URL does not serve a video (Content-Type ${source.contentType ?? "missing"}, and its first bytes match no video format).`
          );
        }
        uploadUrl = await this.retrying("Starting the upload", () =>
          startUpload(this.target, { mimeType, totalBytes, displayName: this.job.id }, this.signal)
        );
        this.update({ uploadUrl, mimeType, totalBytes });
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
        this.update({ state: "generating", message: "Gemini is watching the video" });
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

  private async generate(): Promise<void> {
    const answer = await this.retrying("Asking Gemini", () => {
      this.signal.throwIfAborted();
      // A restart or a retry cannot continue a half-streamed answer: start it afresh.
      if (this.job.text) this.update({ text: "", message: "restarting the answer" });
      return askGeminiAboutVideo(
        this.ai,
        {
          model: this.job.input.model,
          fileUri: this.job.fileUri!,
          mimeType: this.job.mimeType ?? YOUTUBE_MIME_TYPE,
          prompt: this.job.input.prompt
        },
        {
          signal: this.signal,
          onText: (text) => {
            this.signal.throwIfAborted();
            this.update({ text, message: `generating: ${text.length.toLocaleString("en-US")} characters` });
          }
        }
      );
    });
    // A stream cut short by the abort can end without an error: never call that done.
    this.signal.throwIfAborted();
    this.update({ state: "done", text: answer.text, usage: answer.usage ?? null, message: "done" });
  }

  /** Best effort: a file left behind expires on Gemini's side after 48 hours. */
  private async deleteFile(): Promise<void> {
    const name = this.job.fileName;
    if (!name) return;
    try {
      await withRetry(() => this.ai.files.delete({ name }), { sleep: (ms) => this.context.sleep(ms) });
    } catch (error) {
      console.warn(`Could not delete Gemini file ${name}: ${describeGeminiError(error)}`);
    }
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
