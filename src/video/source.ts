/**
 * Opens a video URL for streaming: redirects followed by hand so every hop is
 * checked, size limits, time limits, and reading in fixed-size chunks.
 * @module
 */
import type { FetchLike } from "../http/fetch-like";
import { megabytes } from "../ids/units";
import { errorText, VideoSourceError } from "./source-error";
import { StallWatchdog, type StallLimit, type StallLimits } from "../http/stall-watchdog";
import { seconds } from "../ids/units";
import { checkVideoUrl } from "./url-guard";

export { VideoSourceError } from "./source-error";

export const MAX_REDIRECTS = 5;

export interface SourceTimeouts extends StallLimits {
  /** From sending the request to the response's headers. */
  connectMs: number;
}
/** Size of the read-ahead that tells whether a full chunk was the last. */
const LOOKAHEAD_BYTES = 64 * 1024;

export interface OpenedSource {
  url: URL;
  response: Response;
  contentType: string | null;
  /** From Content-Length (or Content-Range), null when the source does not say. */
  totalBytes: number | null;
  /** The byte the body starts at: `offset` when the range was honoured, else 0. */
  startsAt: number;
  /** Guards reads of the body against the idle and total limits; stop it when done. */
  watchdog: StallWatchdog;
}

export interface OpenOptions {
  fetch: FetchLike;
  allowPrivate: boolean;
  maxBytes: number;
  timeouts: SourceTimeouts;
  offset?: number;
  /**
   * A `Range` header to send instead of the offset's (the media route passes
   * a player's). The source's 416 for it is then an answer, not a failure.
   */
  range?: string;
  signal?: AbortSignal;
}

function totalFrom(response: Response): number | null {
  const range = /\/(\d+)$/.exec(response.headers.get("Content-Range") ?? "");
  if (range) return Number(range[1]);
  const length = response.headers.get("Content-Length");
  return length !== null && /^\d+$/.test(length) ? Number(length) : null;
}

/**
 * Fetches `rawUrl` (from `offset`, when the server honours ranges). A host
 * that cannot be reached, or drops the connection, fails with a retryable
 * `VideoSourceError`; one that does not answer within `connectMs` fails for good.
 */
export async function openVideoSource(rawUrl: string, options: OpenOptions): Promise<OpenedSource> {
  let url = checkVideoUrl(rawUrl, options.allowPrivate);
  const offset = options.offset ?? 0;
  const startedAt = Date.now();
  for (let hop = 0; ; hop++) {
    const response = await fetchWithin(url, offset, options);
    const location = response.headers.get("Location");
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      if (hop >= MAX_REDIRECTS) throw new VideoSourceError(`The video URL redirected more than ${MAX_REDIRECTS} times.`);
      url = checkVideoUrl(new URL(location, url).toString(), options.allowPrivate);
      continue;
    }
    const rangeRefused = options.range !== undefined && response.status === 416;
    if (!rangeRefused && (!response.ok || !response.body)) {
      await response.body?.cancel();
      throw new VideoSourceError(
        `Could not download the video: ${url.host} answered HTTP ${response.status}. Check that the URL is public and points at a video file.`,
        { retryable: response.status >= 500 }
      );
    }
    const totalBytes = totalFrom(response);
    if (totalBytes !== null && totalBytes > options.maxBytes) {
      await response.body?.cancel();
      throw new VideoSourceError(tooLarge(totalBytes, options.maxBytes));
    }
    return {
      url,
      response,
      contentType: response.headers.get("Content-Type"),
      totalBytes,
      startsAt: response.status === 206 ? offset : 0,
      watchdog: new StallWatchdog(options.timeouts, (limit) => sourceStalled(url.host, limit, options.timeouts), startedAt)
    };
  }
}

function sourceStalled(host: string, limit: StallLimit, timeouts: SourceTimeouts): VideoSourceError {
  return new VideoSourceError(
    limit === "totalMs"
      ? `The download from ${host} took longer than ${seconds(timeouts.totalMs)} (SOURCE_TOTAL_TIMEOUT_SECONDS), so it was stopped. Use a faster host or a smaller file.`
      : `${host} sent no data for ${seconds(timeouts.idleMs)} (SOURCE_IDLE_TIMEOUT_SECONDS), so the download was stopped. Check that the host serves the file, or try again later.`
  );
}

/** One hop: the response's headers within `connectMs`, or a `VideoSourceError` naming the host. */
async function fetchWithin(url: URL, offset: number, options: OpenOptions): Promise<Response> {
  const timedOut = new VideoSourceError(
    `${url.host} did not answer within ${seconds(options.timeouts.connectMs)} (SOURCE_CONNECT_TIMEOUT_SECONDS). Check the URL, or try again later.`
  );
  const connect = new AbortController();
  const timer = setTimeout(() => connect.abort(timedOut), options.timeouts.connectMs);
  const signal = options.signal ? AbortSignal.any([options.signal, connect.signal]) : connect.signal;
  try {
    return await options.fetch(url.toString(), {
      redirect: "manual",
      headers: options.range !== undefined ? { Range: options.range } : offset > 0 ? { Range: `bytes=${offset}-` } : {},
      signal
    });
  } catch (error) {
    if (options.signal?.aborted) throw error;
    if (connect.signal.aborted) throw timedOut;
    throw new VideoSourceError(`Could not connect to ${url.host} to download the video (${errorText(error)}).`, {
      retryable: true,
      cause: error
    });
  } finally {
    clearTimeout(timer);
  }
}

export function tooLarge(bytes: number, maxBytes: number): string {
  return `The video is larger than the limit (${megabytes(bytes)} MB > ${megabytes(maxBytes)} MB, MAX_VIDEO_BYTES). Use a shorter or lower-resolution file.`;
}

/**
 * Reads a source's body in chunks of exactly `chunkBytes` (the last may be
 * shorter) straight into one reused buffer with a BYOB reader, and tells
 * whether a chunk is the last one. Holds one chunk plus a small read-ahead.
 * Each read goes through the source's watchdog, so a stalled host fails the
 * read; a dropped connection fails it with a retryable `VideoSourceError`.
 */
export class ChunkReader {
  private readonly reader: ReadableStreamBYOBReader;
  private buffer: ArrayBuffer;
  private lookahead: ArrayBuffer = new ArrayBuffer(LOOKAHEAD_BYTES);
  /** Bytes read ahead (at the start of `lookahead`); they begin the next chunk. */
  private pending = 0;
  private ended = false;
  /** Bytes of the body read so far, for messages. */
  private position = 0;

  constructor(
    private readonly source: Pick<OpenedSource, "response" | "url" | "watchdog" | "startsAt">,
    private readonly chunkBytes: number
  ) {
    // SAFETY: `openVideoSource` refuses a response without a body, so an opened source has one.
    this.reader = source.response.body!.getReader({ mode: "byob" });
    this.buffer = new ArrayBuffer(chunkBytes);
  }

  private async read(view: Uint8Array<ArrayBuffer>): Promise<ReadableStreamReadResult<Uint8Array<ArrayBuffer>>> {
    try {
      const result = await this.source.watchdog.read(this.reader.read(view));
      this.position += result.value?.byteLength ?? 0;
      return result;
    } catch (error) {
      await this.cancel();
      if (error instanceof VideoSourceError) throw error;
      const at = megabytes(this.source.startsAt + this.position);
      throw new VideoSourceError(`The download from ${this.source.url.host} was interrupted at ${at} MB (${errorText(error)}).`, {
        retryable: true,
        cause: error
      });
    }
  }

  /** Reads exactly `length` bytes into `buffer` at `offset`, fewer only at the end. */
  private async fill(offset: number, length: number): Promise<number> {
    let filled = 0;
    while (!this.ended && filled < length) {
      const { done, value } = await this.read(new Uint8Array(this.buffer, offset + filled, length - filled));
      if (value) {
        this.buffer = value.buffer;
        filled += value.byteLength;
      }
      if (done) this.ended = true;
    }
    return filled;
  }

  /** After a full chunk: reads on until a byte arrives or the stream ends. */
  private async peek(): Promise<void> {
    while (!this.ended && this.pending === 0) {
      const { done, value } = await this.read(new Uint8Array(this.lookahead));
      if (value) this.lookahead = value.buffer;
      this.pending = value?.byteLength ?? 0;
      if (done) this.ended = true;
    }
  }

  /** Discards `count` bytes (to resume where an upload left off). */
  async skip(count: number): Promise<void> {
    let left = count;
    while (left > 0) {
      const read = await this.fill(0, Math.min(left, this.chunkBytes));
      left -= read;
      if (left > 0 && this.ended) {
        throw new VideoSourceError("The video ended before the point the upload had reached.");
      }
    }
  }

  /** The next chunk (a view on the reused buffer), or null at the end. */
  async next(): Promise<{ bytes: Uint8Array; last: boolean } | null> {
    let filled = 0;
    if (this.pending > 0) {
      new Uint8Array(this.buffer).set(new Uint8Array(this.lookahead, 0, this.pending));
      filled = this.pending;
      this.pending = 0;
    }
    filled += await this.fill(filled, this.chunkBytes - filled);
    if (filled === 0) return null;
    if (filled === this.chunkBytes) await this.peek();
    return { bytes: new Uint8Array(this.buffer, 0, filled), last: this.pending === 0 };
  }

  async cancel(): Promise<void> {
    this.source.watchdog.stop();
    await this.reader.cancel().catch(() => {});
  }
}
