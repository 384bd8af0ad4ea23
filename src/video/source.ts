/**
 * Opens a video URL for streaming: redirects followed by hand so every hop is
 * checked, size limits, and reading in fixed-size chunks.
 * @module
 */
import type { FetchLike } from "../gemini/client";
import { checkVideoUrl } from "./url-guard";

export const MAX_REDIRECTS = 5;

export class VideoSourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "VideoSourceError";
  }
}

export interface OpenedSource {
  url: URL;
  response: Response;
  contentType: string | null;
  /** From Content-Length (or Content-Range), null when the source does not say. */
  totalBytes: number | null;
  /** The byte the body starts at: `offset` when the range was honoured, else 0. */
  startsAt: number;
}

function totalFrom(response: Response): number | null {
  const range = /\/(\d+)$/.exec(response.headers.get("Content-Range") ?? "");
  if (range) return Number(range[1]);
  const length = response.headers.get("Content-Length");
  return length !== null && /^\d+$/.test(length) ? Number(length) : null;
}

/** Fetches `rawUrl` (from `offset`, when the server honours ranges). */
export async function openVideoSource(
  rawUrl: string,
  options: { fetch: FetchLike; allowPrivate: boolean; maxBytes: number; offset?: number; signal?: AbortSignal }
): Promise<OpenedSource> {
  let url = checkVideoUrl(rawUrl, options.allowPrivate);
  const offset = options.offset ?? 0;
  for (let hop = 0; ; hop++) {
    const response = await options.fetch(url.toString(), {
      redirect: "manual",
      headers: offset > 0 ? { Range: `bytes=${offset}-` } : {},
      ...(options.signal ? { signal: options.signal } : {})
    });
    const location = response.headers.get("Location");
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      if (hop >= MAX_REDIRECTS) throw new VideoSourceError(`The video URL redirected more than ${MAX_REDIRECTS} times.`);
      url = checkVideoUrl(new URL(location, url).toString(), options.allowPrivate);
      continue;
    }
    if (!response.ok || !response.body) {
      await response.body?.cancel();
      throw new VideoSourceError(
        `Could not download the video: ${url.host} answered HTTP ${response.status}. Check that the URL is public and points at a video file.`
      );
    }
    const totalBytes = totalFrom(response);
    if (totalBytes !== null && totalBytes > options.maxBytes) {
      await response.body.cancel();
      throw new VideoSourceError(tooLarge(totalBytes, options.maxBytes));
    }
    return {
      url,
      response,
      contentType: response.headers.get("Content-Type"),
      totalBytes,
      startsAt: response.status === 206 ? offset : 0
    };
  }
}

export function tooLarge(bytes: number, maxBytes: number): string {
  const mb = (value: number) => (value / 1_000_000).toFixed(1);
  return `The video is larger than the limit (${mb(bytes)} MB > ${mb(maxBytes)} MB, MAX_VIDEO_BYTES). Use a shorter or lower-resolution file.`;
}

/**
 * Reads a byte stream in chunks of exactly `chunkBytes` (the last may be
 * shorter), reusing one buffer, and tells whether a chunk is the last one.
 * Holds at most one chunk plus one read-ahead piece.
 */
export class ChunkReader {
  private readonly buffer: Uint8Array;
  private pending: Uint8Array | null = null;
  private ended = false;

  constructor(
    private readonly reader: ReadableStreamDefaultReader<Uint8Array>,
    chunkBytes: number
  ) {
    this.buffer = new Uint8Array(chunkBytes);
  }

  private async piece(): Promise<Uint8Array | null> {
    if (this.pending) {
      const piece = this.pending;
      this.pending = null;
      return piece;
    }
    while (!this.ended) {
      const { done, value } = await this.reader.read();
      if (done) this.ended = true;
      else if (value.byteLength > 0) return value;
    }
    return null;
  }

  /** Discards `count` bytes (to resume where an upload left off). */
  async skip(count: number): Promise<void> {
    let left = count;
    while (left > 0) {
      const piece = await this.piece();
      if (!piece) throw new VideoSourceError("The video ended before the point the upload had reached.");
      if (piece.byteLength > left) this.pending = piece.subarray(left);
      left -= Math.min(left, piece.byteLength);
    }
  }

  /** The next chunk (a view on the reused buffer), or null at the end. */
  async next(): Promise<{ bytes: Uint8Array; last: boolean } | null> {
    let filled = 0;
    while (filled < this.buffer.byteLength) {
      const piece = await this.piece();
      if (!piece) break;
      const take = Math.min(piece.byteLength, this.buffer.byteLength - filled);
      this.buffer.set(piece.subarray(0, take), filled);
      filled += take;
      if (take < piece.byteLength) this.pending = piece.subarray(take);
    }
    if (filled === 0) return null;
    if (!this.pending && !this.ended) this.pending = await this.piece();
    return { bytes: this.buffer.subarray(0, filled), last: this.pending === null };
  }

  async cancel(): Promise<void> {
    await this.reader.cancel().catch(() => {});
  }
}
