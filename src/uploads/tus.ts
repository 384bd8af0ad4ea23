/**
 * The tus 1.0.0 protocol as this server speaks it (docs/uploads.md): its
 * version and extensions, the chunk sizes it advertises, and its refusals
 * (tus's status codes, a JSON body with a readable message).
 * @module
 */
import { UPLOAD_CHUNK_BYTES } from "../gemini/upload";
import { HttpError } from "../http/errors";

export const TUS_VERSION = "1.0.0";
export const TUS_EXTENSIONS = "creation,creation-with-upload,termination,expiration";
export const TUS_CONTENT_TYPE = "application/offset+octet-stream";
/**
 * The largest PATCH body: under the 100 MB deployed Workers accept on the
 * Free and Pro plans, and a whole number of Gemini chunks.
 */
export const MAX_CHUNK_BYTES = 8 * UPLOAD_CHUNK_BYTES;
/** Offsets Gemini acknowledges are multiples of this (but the last). */
export const CHUNK_GRANULARITY_BYTES = UPLOAD_CHUNK_BYTES;
/** The one-time capability travels in this header, never in a URL. */
export const CAPABILITY_HEADER = "Upload-Capability";

/** Headers every tus answer carries. */
export function tusHeaders(extra: Record<string, string> = {}): Headers {
  return new Headers({ "Tus-Resumable": TUS_VERSION, "Cache-Control": "no-store", ...extra });
}

/** What OPTIONS answers: the server's version, extensions and limits. */
export function discoveryHeaders(maxUploadBytes: number): Record<string, string> {
  return {
    "Tus-Resumable": TUS_VERSION,
    "Tus-Version": TUS_VERSION,
    "Tus-Extension": TUS_EXTENSIONS,
    "Tus-Max-Size": String(maxUploadBytes),
    "Upload-Max-Chunk-Size": String(MAX_CHUNK_BYTES),
    "Upload-Chunk-Granularity": String(CHUNK_GRANULARITY_BYTES)
  };
}

/** A tus refusal: the status, a stable code, a sentence for people, tus's headers. */
export function tusError(status: number, code: string, message: string, headers: Record<string, string> = {}): HttpError {
  return new HttpError(status, code, message, { "Tus-Resumable": TUS_VERSION, "Cache-Control": "no-store", ...headers });
}

/** 412 unless the request speaks tus 1.0.0. */
export function requireTusVersion(request: Request): void {
  const version = request.headers.get("Tus-Resumable");
  if (version !== TUS_VERSION) {
    throw tusError(
      412,
      "tus_version",
      version === null
        ? `Send Tus-Resumable: ${TUS_VERSION} (this server speaks tus ${TUS_VERSION}).`
        : `This server speaks tus ${TUS_VERSION}, not ${version}.`,
      { "Tus-Version": TUS_VERSION }
    );
  }
}

/** A non-negative whole number from a header, or undefined when absent; a 400 when present and not one. */
export function byteCountHeader(request: Request, name: string): number | undefined {
  const raw = request.headers.get(name);
  if (raw === null) return undefined;
  if (!/^\d{1,16}$/.test(raw.trim())) throw tusError(400, "bad_header", `${name} must be a whole number of bytes.`);
  return Number(raw.trim());
}

/** tus's `Upload-Metadata`: comma-separated `key base64value` pairs; the values decoded. */
export function parseMetadata(raw: string | null): Record<string, string> {
  const metadata: Record<string, string> = {};
  if (!raw) return metadata;
  for (const pair of raw.split(",")) {
    const [key, value] = pair.trim().split(" ");
    if (!key) continue;
    try {
      metadata[key] = value ? new TextDecoder().decode(Uint8Array.from(atob(value), (c) => c.charCodeAt(0))) : "";
    } catch {
      throw tusError(400, "bad_metadata", `Upload-Metadata's value for ${key} is not base64.`);
    }
  }
  return metadata;
}
