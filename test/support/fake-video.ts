/**
 * A video host for tests: serves deterministic bytes of any size, with or
 * without Content-Length, with or without Range support, as fast or as slowly
 * as a test needs, and redirects. `(Request) => Response`, like the fake Gemini.
 */
import { Crc32 } from "./crc32";

export const BLOCK_BYTES = 64 * 1024;

export interface FakeVideo {
  size: number;
  /** `null` sends no Content-Type. Default `video/mp4`. */
  contentType?: string | null;
  /** Default true. */
  sendLength?: boolean;
  /** Default true: answers `Range: bytes=N-` and `bytes=N-M` with 206, and a start past the end with 416. */
  supportsRanges?: boolean;
  /** Pause before each 64 KiB block. */
  delayMsPerBlock?: number;
  /** Replaces the first bytes (e.g. to look like another format, or like none). */
  header?: Uint8Array;
  /** Sent as the `ETag` header. */
  etag?: string;
  /** Sent as the `Last-Modified` header. */
  lastModified?: string;
  /** Never answers (no headers): a host that accepts the connection and hangs. */
  neverAnswers?: boolean;
  /** Sends this many bytes, then nothing more, without closing. */
  stallAfterBytes?: number;
  /** Sends one byte every this many ms: a host that trickles. */
  trickleMsPerByte?: number;
}

/** An MP4-looking first block: `ftyp` at offset 4, then a recognisable pattern. */
function baseBlock(): Uint8Array {
  const block = new Uint8Array(BLOCK_BYTES);
  let state = 0x12345678;
  for (let i = 0; i < block.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    block[i] = state >>> 24;
  }
  block.set(new TextEncoder().encode("ftypisom"), 4);
  return block;
}

const BASE = baseBlock();

/** Bytes [start, end) of the video; every block differs (its index is in its first 4 bytes). */
export function videoBytes(video: FakeVideo, start: number, end: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(end - start);
  for (let position = start; position < end; ) {
    const blockIndex = Math.floor(position / BLOCK_BYTES);
    const block = BASE.slice();
    if (blockIndex > 0) new DataView(block.buffer).setUint32(0, blockIndex);
    if (blockIndex === 0 && video.header) block.set(video.header, 0);
    const from = position - blockIndex * BLOCK_BYTES;
    const take = Math.min(BLOCK_BYTES - from, end - position);
    out.set(block.subarray(from, from + take), position - start);
    position += take;
  }
  return out;
}

export function videoCrc(video: FakeVideo): number {
  const crc = new Crc32();
  for (let position = 0; position < video.size; position += 1024 * 1024) {
    crc.update(videoBytes(video, position, Math.min(video.size, position + 1024 * 1024)));
  }
  return crc.digest();
}

/** A 3xx answer: `location` is sent as is, so it may be relative. */
export interface FakeRedirect {
  location: string;
  /** Default 302. */
  status?: 301 | 302 | 303 | 307 | 308;
}

export class FakeVideoHost {
  private readonly videos = new Map<string, FakeVideo>();
  private readonly redirects = new Map<string, FakeRedirect>();
  /** The `Range` header of every request, in order (null when absent). */
  readonly ranges: (string | null)[] = [];
  /** The path of every request, in order. */
  readonly paths: string[] = [];

  constructor(readonly origin: string) {}

  add(path: string, video: FakeVideo): string {
    this.videos.set(path, video);
    return `${this.origin}${path}`;
  }

  /** Answers `path` with a redirect to `redirect.location`; returns the URL to start from. */
  redirect(path: string, redirect: FakeRedirect): string {
    this.redirects.set(path, redirect);
    return `${this.origin}${path}`;
  }

  reset(): void {
    this.videos.clear();
    this.redirects.clear();
    this.ranges.length = 0;
    this.paths.length = 0;
  }

  async handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const video = this.videos.get(url.pathname);
    this.ranges.push(request.headers.get("Range"));
    this.paths.push(url.pathname);
    const redirect = this.redirects.get(url.pathname);
    if (redirect) return new Response(null, { status: redirect.status ?? 302, headers: { Location: redirect.location } });
    if (!video) return new Response("not found", { status: 404 });
    if (video.neverAnswers) return new Promise<Response>(() => {});
    const range = /^bytes=(\d+)-(\d*)$/.exec(request.headers.get("Range") ?? "");
    const honoured = range !== null && video.supportsRanges !== false;
    const start = honoured ? Number(range[1]) : 0;
    const bounded = honoured && range[2] !== "";
    // Exclusive: one past the last byte sent.
    const stop = bounded ? Math.min(Number(range[2]) + 1, video.size) : video.size;
    if (honoured && start > 0 && start >= video.size) {
      return new Response(null, { status: 416, headers: { "Content-Range": `bytes */${video.size}` } });
    }
    const partial = start > 0 || bounded;
    const headers = new Headers();
    if (video.contentType !== null) headers.set("Content-Type", video.contentType ?? "video/mp4");
    if (video.sendLength !== false) headers.set("Content-Length", String(stop - start));
    if (video.etag) headers.set("ETag", video.etag);
    if (video.lastModified) headers.set("Last-Modified", video.lastModified);
    if (partial) headers.set("Content-Range", `bytes ${start}-${stop - 1}/${video.size}`);
    if (video.supportsRanges !== false) headers.set("Accept-Ranges", "bytes");
    let position = start;
    const body = new ReadableStream({
      type: "bytes",
      async pull(controller) {
        if (position >= stop) {
          controller.close();
          return;
        }
        if (video.stallAfterBytes !== undefined && position >= video.stallAfterBytes) return new Promise<void>(() => {});
        if (video.delayMsPerBlock) await new Promise((resolve) => setTimeout(resolve, video.delayMsPerBlock));
        if (video.trickleMsPerByte) {
          await new Promise((resolve) => setTimeout(resolve, video.trickleMsPerByte));
          controller.enqueue(videoBytes(video, position, position + 1));
          position += 1;
          return;
        }
        const blockEnd = Math.min(stop, (Math.floor(position / BLOCK_BYTES) + 1) * BLOCK_BYTES);
        const end =
          video.stallAfterBytes !== undefined && position < video.stallAfterBytes
            ? Math.min(blockEnd, video.stallAfterBytes)
            : blockEnd;
        controller.enqueue(videoBytes(video, position, end));
        position = end;
      }
    });
    return new Response(body, { status: partial ? 206 : 200, headers });
  }
}
