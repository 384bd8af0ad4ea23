/**
 * Reads request bodies with a size limit, so no client can make the server
 * buffer more than MAX_BODY_BYTES.
 * @module
 */
import { HttpError } from "./errors";

/** JSON-RPC bodies larger than this are refused with 413. */
export const MAX_BODY_BYTES = 1024 * 1024;

function tooLarge(): HttpError {
  return new HttpError(413, "body_too_large", `Request bodies are limited to ${MAX_BODY_BYTES} bytes (1 MiB).`);
}

/** Throws a 413 `HttpError` when `Content-Length` already says the body is too large. */
export function checkDeclaredLength(request: Request): void {
  const declared = Number(request.headers.get("Content-Length") ?? 0);
  if (declared > MAX_BODY_BYTES) throw tooLarge();
}

/** The body as text; a 413 `HttpError` once more than MAX_BODY_BYTES arrive. */
export async function readBodyText(request: Request): Promise<string> {
  return new TextDecoder().decode(await readBodyBytes(request));
}

/** The body's bytes; a 413 `HttpError` once more than MAX_BODY_BYTES arrive. */
export async function readBodyBytes(request: Request): Promise<Uint8Array<ArrayBuffer>> {
  checkDeclaredLength(request);
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await drain(reader);
      throw tooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** Reads and drops a body without keeping it, so the runtime is not left pumping it after the reply. */
export async function discardBody(request: Request): Promise<void> {
  const reader = request.body?.getReader();
  if (reader) await drain(reader);
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
