/**
 * Serves a video URL's bytes from this server's own origin, for a player in
 * a frame whose host lets media load only from declared origins: byte ranges
 * (`Range` → 206, `Content-Range`, `Content-Length`, 416 past the end), HEAD,
 * every hop checked by the URL guard, the source's time limits on every
 * read, and never more than one piece of the body in memory. A source that
 * ignores ranges is read from its start and cut to the range asked for.
 * @module
 */
import type { FetchLike } from "../http/fetch-like";
import { HttpError } from "../http/errors";
import { openVideoSource, type OpenedSource, type SourceTimeouts, VideoSourceError } from "./source";
import { VideoUrlError } from "./url-guard";

export interface MediaProxyOptions {
  fetch: FetchLike;
  allowPrivate: boolean;
  maxBytes: number;
  timeouts: SourceTimeouts;
}

/** A single range as a player asks for it: `bytes=a-b`, `bytes=a-`, or the last `n` bytes (`bytes=-n`). */
type ByteRange = { start: number; end?: number } | { suffix: number };

/** The one range of a `Range` header; undefined for none, several, or one this does not read (the whole file is then served). */
export function parseRange(header: string | null): ByteRange | undefined {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header?.trim() ?? "");
  if (!match || (match[1] === "" && match[2] === "")) return undefined;
  const [, from = "", to = ""] = match;
  if (from === "") return Number(to) > 0 ? { suffix: Number(to) } : undefined;
  const start = Number(from);
  if (to === "") return { start };
  const end = Number(to);
  return end >= start ? { start, end } : undefined;
}

function rangeHeader(range: ByteRange): string {
  return "suffix" in range ? `bytes=-${range.suffix}` : `bytes=${range.start}-${range.end ?? ""}`;
}

/** Browsers' names for the files a `<video>` plays, by extension, when the source names no video type. */
const PLAYABLE_TYPES: Record<string, string> = {
  mp4: "video/mp4",
  m4v: "video/mp4",
  webm: "video/webm",
  mov: "video/quicktime",
  ogv: "video/ogg",
  mkv: "video/x-matroska"
};

/** Only a video or audio type: the bytes are someone else's, served from this origin, and must never be a page. */
function contentTypeOf(source: OpenedSource): string {
  const declared = source.contentType?.split(";")[0]?.trim().toLowerCase();
  if (declared && /^(video|audio)\/[\w.+-]+$/.test(declared)) return declared;
  const extension = /\.([a-z0-9]+)$/i.exec(source.url.pathname)?.[1]?.toLowerCase() ?? "";
  return PLAYABLE_TYPES[extension] ?? "application/octet-stream";
}

/** What every answer of the route carries: private, cross-origin playable, and inert as a document. */
export const MEDIA_HEADERS: Record<string, string> = {
  "Cache-Control": "private",
  "Referrer-Policy": "no-referrer",
  "Cross-Origin-Resource-Policy": "cross-origin",
  "X-Content-Type-Options": "nosniff",
  "Content-Security-Policy": "default-src 'none'; sandbox"
};

function answer(status: number, headers: Record<string, string>, body: ReadableStream | null): Response {
  return new Response(body, { status, headers: { ...MEDIA_HEADERS, "Accept-Ranges": "bytes", ...headers } });
}

function notSatisfiable(total: number | null): Response {
  return answer(416, { "Content-Range": `bytes */${total ?? "*"}` }, null);
}

/**
 * The body from `skip` bytes in, at most `length` bytes (to its end when
 * undefined), each read under the source's idle and total limits; the
 * source is cancelled when the player goes or the window is sent.
 */
function windowOf(source: OpenedSource, skip: number, length: number | undefined): ReadableStream<Uint8Array> {
  // SAFETY: `openVideoSource` answers only a 416 without a body, and a 416 gets no window.
  const reader = source.response.body!.getReader();
  let toSkip = skip;
  let left = length ?? Number.POSITIVE_INFINITY;
  const finish = async () => {
    source.watchdog.stop();
    await reader.cancel().catch(() => {});
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        for (;;) {
          if (left <= 0) {
            await finish();
            controller.close();
            return;
          }
          const { done, value } = await source.watchdog.read(reader.read());
          if (done) {
            source.watchdog.stop();
            controller.close();
            return;
          }
          let piece = value;
          if (toSkip > 0) {
            const dropped = Math.min(toSkip, piece.byteLength);
            toSkip -= dropped;
            piece = piece.subarray(dropped);
          }
          if (piece.byteLength === 0) continue;
          if (piece.byteLength > left) piece = piece.subarray(0, left);
          left -= piece.byteLength;
          controller.enqueue(piece);
          return;
        }
      } catch (error) {
        await finish();
        controller.error(error);
      }
    },
    cancel: finish
  });
}

/** `bytes a-b/N` of a 206 (N may be `*`). */
function contentRangeOf(response: Response): { start: number; end: number; total: string } | undefined {
  const match = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(response.headers.get("Content-Range")?.trim() ?? "");
  return match ? { start: Number(match[1]), end: Number(match[2]), total: match[3] ?? "*" } : undefined;
}

/** Answers a GET or HEAD for `videoUrl`'s bytes, as the request's `Range` asks. */
export async function proxyMedia(request: Request, videoUrl: string, options: MediaProxyOptions): Promise<Response> {
  const head = request.method === "HEAD";
  const range = parseRange(request.headers.get("Range"));
  let source: OpenedSource;
  try {
    source = await openVideoSource(videoUrl, {
      ...options,
      ...(range ? { range: rangeHeader(range) } : {}),
      signal: request.signal
    });
  } catch (error) {
    if (error instanceof VideoUrlError) throw new HttpError(403, "source_refused", error.message, MEDIA_HEADERS);
    if (error instanceof VideoSourceError) throw new HttpError(502, "source_failed", error.message, MEDIA_HEADERS);
    throw error;
  }
  const type = { "Content-Type": contentTypeOf(source) };
  const total = source.totalBytes;
  const send = (status: number, headers: Record<string, string>, skip: number, length: number | undefined) => {
    if (head) {
      source.watchdog.stop();
      void source.response.body?.cancel();
      return answer(status, { ...type, ...headers }, null);
    }
    const body = windowOf(source, skip, length);
    const sized = headers["Content-Length"];
    if (sized === undefined) return answer(status, { ...type, ...headers }, body);
    // A stream's length is unknown to the runtime, which would send it chunked: players need the length said.
    const fixed = new FixedLengthStream(Number(sized));
    void body.pipeTo(fixed.writable).catch(() => {});
    return answer(status, { ...type, ...headers }, fixed.readable);
  };
  if (source.response.status === 416) {
    source.watchdog.stop();
    await source.response.body?.cancel();
    return notSatisfiable(total);
  }
  const served = source.response.status === 206 ? contentRangeOf(source.response) : undefined;
  if (served) {
    const length = served.end - served.start + 1;
    return send(
      206,
      { "Content-Range": `bytes ${served.start}-${served.end}/${served.total}`, "Content-Length": String(length) },
      0,
      length
    );
  }
  // The whole file came: serve it whole, or cut the range from it when its length is known.
  if (!range || total === null) return send(200, total === null ? {} : { "Content-Length": String(total) }, 0, undefined);
  const start = "suffix" in range ? Math.max(0, total - range.suffix) : range.start;
  const end = "suffix" in range ? total - 1 : Math.min(range.end ?? total - 1, total - 1);
  if (start >= total) {
    source.watchdog.stop();
    await source.response.body?.cancel();
    return notSatisfiable(total);
  }
  const length = end - start + 1;
  return send(206, { "Content-Range": `bytes ${start}-${end}/${total}`, "Content-Length": String(length) }, start, length);
}
