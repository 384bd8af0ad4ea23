/**
 * One analysis job as an agents Task run: named steps, each journaled, from
 * whatever stage the job's row says it is in to a final state:
 *
 * `resolve` (queued → uploading, or a YouTube link or an earlier upload read
 * as is) → `upload` (stream the source into a resumable Files API upload)
 * → `poll:N` / `wait:N` (the file until ACTIVE, durable sleeps between)
 * → `count` (Gemini counts the input tokens, see `checkInputTokens`; a
 * request over the model's limit is refused) → `generate` → done.
 *
 * The row stays the checkpoint inside a step: an interrupted upload asks
 * Gemini how far it got and carries on from there, never from zero. A step
 * ends a failing job itself (failed, with a readable error) and returns, so
 * Tasks' own retries never run: Gemini's calls are retried inside, on
 * RetryInfo. A cancelled run is ended by `JobManager` (see `endCancelled`).
 * An uploaded file is kept for follow-up questions once Gemini has
 * processed it (see `VideoFiles`), and deleted otherwise.
 * @module
 */
import { UserFacingError } from "../errors";
import { ApiError, type GoogleGenAI } from "@google/genai";
import type { TaskStep, TaskValue } from "agents/tasks";
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
import type { JobStop } from "./job-stop";
import type { JobStore, JobUpdate } from "./job-store";
import { checkInputTokens, ContextLimitError } from "./token-check";
import type { SharedUploads } from "./shared-uploads";
import { DEFAULT_FILE_LIFETIME_MS, sourceTagOf, type VideoFile, type VideoFiles } from "./video-files";

/** Gemini accepts YouTube links as `fileData` with a video MIME type. */
const YOUTUBE_MIME_TYPE = "video/mp4";
export const FILE_POLL_INTERVAL_MS = 2_000;
export const MAX_PROCESSING_MS = 15 * 60_000;
/**
 * Tasks' limit for one attempt of each step, above the limits the work has
 * of its own (stalls, `MAX_PROCESSING_MS`, the answer's total time), so that
 * those end it with a readable error first. Tasks' default is 5 minutes.
 */
const STEP_TIMEOUT_MS = { resolve: 60_000, upload: 6 * 3600_000, poll: 5 * 60_000, count: 10 * 60_000, generate: 2 * 3600_000 };
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
  shared: SharedUploads;
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
  /** The running step's: aborted when the run is cancelled or the step runs out of time. */
  private signal = new AbortController().signal;

  constructor(
    private readonly context: JobContext,
    jobId: string,
    private readonly ai: GoogleGenAI,
    private readonly task: TaskStep
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

  /** The run's steps, from the stage the job is in; a step that fails the job ends the run. */
  async run(): Promise<void> {
    if (this.job.state === "queued") await this.step("resolve", STEP_TIMEOUT_MS.resolve, () => this.route());
    if (this.job.state === "uploading" && this.job.fileUri === null) {
      await this.step("upload", STEP_TIMEOUT_MS.upload, () => this.upload());
    }
    if (this.job.state === "processing") await this.waitUntilActive();
    if (!isFinal(this.job) && this.job.state !== "generating") {
      await this.step("count", STEP_TIMEOUT_MS.count, () => this.startGenerating());
    }
    if (this.job.state === "generating") await this.step("generate", STEP_TIMEOUT_MS.generate, () => this.generate());
  }

  /**
   * One named step of the run: journaled once done, so a replay after a
   * restart or a sleep skips it. A failure ends the job here (the result is
   * null); an abort (the run cancelled, or Tasks' time for the step up) is
   * Tasks' to settle.
   */
  private step<T extends TaskValue>(name: string, timeoutMs: number, work: () => Promise<T>): Promise<T | null> {
    return this.task.do(name, { timeout: timeoutMs, retries: { limit: 1 } }, async ({ signal }) => {
      this.signal = signal;
      this.job = this.context.store.get(this.job.id)!;
      try {
        return await work();
      } catch (error) {
        if (signal.aborted) throw error;
        await this.fail(error);
        return null;
      }
    });
  }

  private async fail(error: unknown): Promise<void> {
    if (
      this.job.fileName &&
      error instanceof ApiError &&
      [403, 404].includes(error.status) &&
      MENTIONS_A_FILE.test(error.message)
    ) {
      // The kept copy is gone or unreadable: the next request uploads afresh.
      this.context.files.forget(this.job.fileName);
      await this.context.shared.withdraw(this.job.input.videoUrl, this.job.fileName).catch(() => {});
    }
    this.update({ state: "failed", message: "failed", error: describeGeminiError(error) });
    await this.releaseFile();
  }

  /**
   * A finished job's upload: kept when a later job carries on from it, or
   * when it is kept for follow-ups (unless the job was cancelled); deleted
   * otherwise, unless another job reads it.
   */
  private async releaseFile(): Promise<void> {
    await releaseFileOf(this.context, this.job);
  }

  private async route(): Promise<void> {
    const youTube = matchYouTube(new URL(this.job.input.videoUrl));
    if (youTube.kind === "not-a-video") throw new VideoUrlError(youTube.reason);
    if (youTube.kind === "video") {
      this.update({ fileUri: youTube.url, mimeType: YOUTUBE_MIME_TYPE });
      return;
    }
    // Ready by the time the processed video's tokens are checked against it.
    prefetchInputTokenLimit(this.ai, this.job.input.model);
    // A follow-up reads the earlier job's file as is (its source may be gone by now),
    // unless this session has since let that file go.
    const earlier = this.job.input.followUp;
    const sameSession = earlier !== undefined && jobOwnerSession(earlier.jobId) === jobOwnerSession(this.job.id);
    const released = sameSession && earlier.fileName !== null && !this.context.files.holds(earlier.fileName);
    if (earlier && !released) this.reuse(earlier);
    else this.update({ state: "uploading", message: "downloading the video" });
  }

  /** Reads a file uploaded before as is: the run goes on to `count`. */
  private reuse(
    file: Pick<VideoFile, "fileUri" | "mimeType"> & { fileName: string | null; durationSeconds?: number | null | undefined }
  ): void {
    this.update(
      { fileName: file.fileName, fileUri: file.fileUri, mimeType: file.mimeType, message: "reusing the video uploaded earlier" },
      { reusedFile: true, ...(typeof file.durationSeconds === "number" ? { durationSeconds: file.durationSeconds } : {}) }
    );
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
      if (!announced) this.update({ message: "waiting for another analysis's upload of this video" });
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
        const sourceTag = sourceTagOf(source.response.headers, totalBytes);
        const kept = this.context.files.usable(this.job.input.videoUrl);
        if (kept && sourceTag !== null && kept.sourceTag === sourceTag) {
          this.reuse(kept);
          return;
        }
        const shared =
          sourceTag === null
            ? undefined
            : await this.context.shared.find(this.job.input.videoUrl, sourceTag).catch(() => undefined);
        if (shared) {
          // Kept here too, for follow-ups; the object that keeps it decides when it goes.
          await this.remember(shared);
          this.reuse(shared);
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

  /** Polls the file until ACTIVE, a durable sleep between polls; returns once it is, or the job failed. */
  private async waitUntilActive(): Promise<void> {
    const startedAt = await this.task.do("processing-since", () => Date.now());
    for (let poll = 0; ; poll++) {
      if ((await this.step(`poll:${poll}`, STEP_TIMEOUT_MS.poll, () => this.poll(startedAt))) !== false) return;
      await this.task.sleep(`wait:${poll}`, FILE_POLL_INTERVAL_MS);
    }
  }

  /** True once the file is ACTIVE (and kept), false while Gemini still processes it. */
  private async poll(startedAt: number): Promise<boolean> {
    const file = await this.retrying("Checking the uploaded file", () =>
      this.ai.files.get({ name: this.job.fileName!, config: { abortSignal: this.signal } })
    );
    if (file.state === "ACTIVE") {
      const seconds = durationSeconds(file.videoMetadata?.videoDuration);
      if (seconds !== undefined) this.update({}, { durationSeconds: seconds });
      await this.keep(file.expirationTime);
      return true;
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
    return false;
  }

  /**
   * Keeps the processed file for follow-ups, and offers it to other objects
   * asking about the same video; the one it replaces is deleted.
   */
  private async keep(expirationTime: string | undefined): Promise<void> {
    const { fileName, fileUri, mimeType, details, input } = this.job;
    const expiresAt = expirationTime ? Date.parse(expirationTime) : Number.NaN;
    const file = {
      videoUrl: input.videoUrl,
      sourceTag: details.sourceTag ?? null,
      fileName: fileName!,
      fileUri: fileUri!,
      mimeType: mimeType!,
      durationSeconds: details.durationSeconds ?? null,
      expiresAt: Number.isFinite(expiresAt) ? expiresAt : Date.now() + DEFAULT_FILE_LIFETIME_MS
    };
    await this.remember(file);
    await this.context.shared.offer(file).catch(() => {});
  }

  /** Keeps `file` for its URL; the file it replaces goes, unless another object read it. */
  private async remember(file: VideoFile): Promise<void> {
    const replaced = this.context.files.remember(file);
    if (!replaced) return;
    if (await this.context.shared.handOver(replaced).catch(() => false)) return;
    void this.context.releaseFile(replaced.fileName, { exceptJobId: this.job.id });
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
      if (this.job.state === "generating" && this.job.text) this.update({ text: "", message: "restarting the answer" });
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

/**
 * A finished job's upload: kept when a later job carries on from it, or
 * when it is kept for follow-ups (unless the job was cancelled); deleted
 * otherwise, unless another job reads it.
 */
async function releaseFileOf(context: JobContext, job: Job): Promise<void> {
  const { fileName, details, state } = job;
  if (!fileName || details.resumable || details.reusedFile) return;
  await context.releaseFile(fileName, { exceptJobId: job.id, evenIfKept: state === "cancelled" });
}

/** The Task handler's body: runs the job `jobId`'s steps (see the module comment). */
export async function runJob(context: JobContext, jobId: string, task: TaskStep): Promise<void> {
  let ai: GoogleGenAI;
  try {
    ai = createGeminiClient(context.gemini, context.fetch);
  } catch (error) {
    context.changed(context.store.update(jobId, { state: "failed", message: "failed", error: describeGeminiError(error) }));
    return;
  }
  await new JobRun(context, jobId, ai, task).run();
}

/**
 * Ends a cancelled job once its run has stopped: cancelled, with the
 * reason; an upload kept for a retry when `stop` says so (the job is then
 * resumable), deleted otherwise unless another job reads it.
 */
export async function endCancelled(context: JobContext, jobId: string, stop: JobStop): Promise<Job> {
  let job = context.store.get(jobId)!;
  if (isFinal(job)) return job;
  const resumable = stop.keepUpload && (job.uploadUrl !== null || job.fileName !== null);
  job = context.store.update(jobId, {
    state: "cancelled",
    message: "cancelled",
    error: `Cancelled: ${stop.message}`,
    ...(resumable ? { details: { ...job.details, resumable } } : {})
  });
  context.changed(job);
  await releaseFileOf(context, job);
  return job;
}
