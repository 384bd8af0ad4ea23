/**
 * Reads request bodies with a size limit and a deadline, so no client can
 * make the server buffer more than MAX_BODY_BYTES, or wait forever for bytes
 * its `Content-Length` promised and it never sends.
 * @module
 */
import { HttpError } from "./errors";

/** JSON-RPC bodies larger than this are refused with 413. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** How long a body may take to arrive in full when the caller names no deadline (`BODY_TIMEOUT_SECONDS`). */
export const DEFAULT_BODY_TIMEOUT_MS = 10_000;

function tooLarge(): HttpError {
  return new HttpError(413, "body_too_large", `Request bodies are limited to ${MAX_BODY_BYTES} bytes (1 MiB).`);
}

/** Throws a 413 `HttpError` when `Content-Length` already says the body is too large. */
export function checkDeclaredLength(request: Request): void {
  const declared = Number(request.headers.get("Content-Length") ?? 0);
  if (declared > MAX_BODY_BYTES) throw tooLarge();
}

function tooSlow(timeoutMs: number): HttpError {
  return new HttpError(408, "body_timeout", `The request body did not arrive in full within ${timeoutMs / 1000} s.`);
}

/** The body as text; a 413 `HttpError` once more than MAX_BODY_BYTES arrive, a 408 past `timeoutMs`. */
export async function readBodyText(request: Request, timeoutMs = DEFAULT_BODY_TIMEOUT_MS): Promise<string> {
  return new TextDecoder().decode(await readBodyBytes(request, timeoutMs));
}

/**
 * The request with its body read in full (within `timeoutMs`), so nothing
 * after it, a Durable Object least of all, waits on a slow client. A GET or
 * HEAD that came with a body has it read and dropped.
 */
export async function withWholeBody(request: Request, timeoutMs: number): Promise<Request> {
  if (!request.body) return request;
  const body = await readBodyBytes(request, timeoutMs);
  const bodiless = request.method === "GET" || request.method === "HEAD";
  return new Request(request, { body: bodiless ? null : body });
}

/**
 * The body's bytes; a 413 `HttpError` once more than MAX_BODY_BYTES arrive,
 * a 408 when the whole body has not arrived within `timeoutMs` (its
 * `Content-Length` promised more than the client sends, or it trickles).
 */
export async function readBodyBytes(request: Request, timeoutMs = DEFAULT_BODY_TIMEOUT_MS): Promise<Uint8Array<ArrayBuffer>> {
  checkDeclaredLength(request);
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<"expired">((resolve) => {
    timer = setTimeout(() => resolve("expired"), timeoutMs);
  });
  try {
    for (;;) {
      const read = await Promise.race([reader.read(), expired]);
      if (read === "expired") throw giveUp(reader, tooSlow(timeoutMs));
      const { done, value } = read;
      if (done) break;
      size += value.byteLength;
      if (size > MAX_BODY_BYTES) {
        if ((await Promise.race([drain(reader), expired])) === "expired") throw giveUp(reader, tooLarge());
        throw tooLarge();
      }
      chunks.push(value);
    }
  } finally {
    clearTimeout(timer);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** Cancels a body that is not drained, because the rest of it may never come; returns `error` to throw. */
function giveUp(reader: ReadableStreamDefaultReader<Uint8Array>, error: HttpError): HttpError {
  void reader.cancel().catch(() => {});
  return error;
}

/**
 * Reads and drops a body without keeping it, so the runtime is not left
 * pumping it after the reply; one still coming after `timeoutMs` is
 * cancelled instead, as the rest of it may never come.
 */
export async function discardBody(request: Request, timeoutMs = DEFAULT_BODY_TIMEOUT_MS): Promise<void> {
  const reader = request.body?.getReader();
  if (!reader) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<"expired">((resolve) => {
    timer = setTimeout(() => resolve("expired"), timeoutMs);
  });
  try {
    if ((await Promise.race([drain(reader), expired])) === "expired") void reader.cancel().catch(() => {});
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Reads the rest of a body and drops it. A refused body is drained rather
 * than cancelled: under `wrangler dev`, a body cancelled half-way leaves the
 * connection it came on broken, and the next request on it, from any
 * client, gets a 503 ("worker restarted mid-request").
 */
async function drain(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  while (!(await reader.read()).done) {
    // Dropped.
  }
}
