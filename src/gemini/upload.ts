/**
 * The Gemini Files API resumable upload protocol, chunk by chunk. The SDK's
 * `files.upload` needs the whole file as a Blob; this streams instead.
 * @module
 */
import type { FetchLike } from "../http/fetch-like";
import { GEMINI_API_VERSION } from "./client";
import { GeminiHttpError, GeminiTimeoutError } from "./retry";

export const UPLOAD_CHUNK_BYTES = 8 * 1024 * 1024;
/** Longest a request of the upload protocol (an 8 MiB chunk included) may wait for Gemini's answer. */
export const UPLOAD_REQUEST_TIMEOUT_MS = 5 * 60_000;
export const GOOGLE_BASE_URL = "https://generativelanguage.googleapis.com";

export interface UploadTarget {
  apiKey: string;
  /** `GEMINI_BASE_URL`, when set; upload URLs are pointed at its host too. */
  baseUrl: string | undefined;
  fetch: FetchLike;
  /** Default UPLOAD_REQUEST_TIMEOUT_MS. */
  requestTimeoutMs?: number;
}

/** The `file` resource as the Files API returns it. */
export interface GeminiFileResource {
  name: string;
  uri: string;
  mimeType?: string;
  sizeBytes?: string;
  state?: string;
}

export interface ChunkResult {
  status: string;
  file?: GeminiFileResource;
}

async function expectOk(response: Response, what: string): Promise<void> {
  if (!response.ok) throw new GeminiHttpError(response.status, await response.text(), what);
}

/** One request of the upload protocol, answered within the target's time limit or failed with `GeminiTimeoutError`. */
async function send(target: UploadTarget, url: string, init: RequestInit, what: string): Promise<Response> {
  const timeoutMs = target.requestTimeoutMs ?? UPLOAD_REQUEST_TIMEOUT_MS;
  const timer = new AbortController();
  let timeout: ReturnType<typeof setTimeout> | undefined;
  // Raced as well as signalled, so a fetch that ignores its signal cannot hang the job either.
  const timedOut = new Promise<never>((_, reject) => {
    timeout = setTimeout(() => {
      timer.abort();
      reject(new GeminiTimeoutError(what, timeoutMs));
    }, timeoutMs);
  });
  const caller = init.signal ?? undefined;
  try {
    const signal = caller ? AbortSignal.any([caller, timer.signal]) : timer.signal;
    return await Promise.race([target.fetch(url, { ...init, signal }), timedOut]);
  } catch (error) {
    if (timer.signal.aborted && !caller?.aborted) throw new GeminiTimeoutError(what, timeoutMs);
    throw error;
  } finally {
    clearTimeout(timeout);
  }
}

/** Like the SDK: behind a gateway or fake, upload URLs use the base URL's host. */
function rebase(uploadUrl: string, baseUrl: string | undefined): string {
  if (!baseUrl) return uploadUrl;
  const url = new URL(uploadUrl);
  const base = new URL(baseUrl);
  url.protocol = base.protocol;
  url.host = base.host;
  return url.toString();
}

/** Opens a resumable upload session and returns its upload URL. */
export async function startUpload(
  target: UploadTarget,
  file: { mimeType: string; totalBytes: number | null; displayName: string },
  signal?: AbortSignal
): Promise<string> {
  const base = (target.baseUrl ?? GOOGLE_BASE_URL).replace(/\/+$/, "");
  const response = await send(
    target,
    `${base}/upload/${GEMINI_API_VERSION}/files`,
    {
      method: "POST",
      headers: {
        "x-goog-api-key": target.apiKey,
        "Content-Type": "application/json",
        "X-Goog-Upload-Protocol": "resumable",
        "X-Goog-Upload-Command": "start",
        "X-Goog-Upload-Header-Content-Type": file.mimeType,
        ...(file.totalBytes !== null ? { "X-Goog-Upload-Header-Content-Length": String(file.totalBytes) } : {})
      },
      body: JSON.stringify({ file: { displayName: file.displayName } }),
      ...(signal ? { signal } : {})
    },
    "Starting the upload"
  );
  await expectOk(response, "Starting the upload");
  await response.body?.cancel();
  const uploadUrl = response.headers.get("x-goog-upload-url");
  if (!uploadUrl) throw new GeminiHttpError(response.status, "no X-Goog-Upload-URL header", "Starting the upload");
  return rebase(uploadUrl, target.baseUrl);
}

/** Sends one chunk at `offset`; the last one finalizes the file. */
export async function uploadChunk(
  target: UploadTarget,
  uploadUrl: string,
  offset: number,
  bytes: Uint8Array,
  finalize: boolean,
  signal?: AbortSignal
): Promise<ChunkResult> {
  const what = `Uploading bytes ${offset}-${offset + bytes.byteLength}`;
  const response = await send(
    target,
    uploadUrl,
    {
      method: "POST",
      headers: {
        "x-goog-api-key": target.apiKey,
        "X-Goog-Upload-Command": finalize ? "upload, finalize" : "upload",
        "X-Goog-Upload-Offset": String(offset)
      },
      body: bytes,
      ...(signal ? { signal } : {})
    },
    what
  );
  await expectOk(response, what);
  const status = response.headers.get("x-goog-upload-status") ?? "active";
  // Always consume the body, so no response is left holding the connection.
  const text = await response.text();
  if (!finalize) return { status };
  // SAFETY: the final answer to a resumable upload is `{ file: File }` (Files API); a missing file is refused below.
  const file = (JSON.parse(text) as { file?: GeminiFileResource }).file;
  if (status !== "final" || !file) {
    throw new GeminiHttpError(response.status, text, "Finalizing the upload");
  }
  return { status, file };
}

/** How many bytes the upload session has; used to resume after a restart. */
export async function queryUpload(target: UploadTarget, uploadUrl: string, signal?: AbortSignal): Promise<number> {
  const response = await send(
    target,
    uploadUrl,
    {
      method: "POST",
      headers: { "x-goog-api-key": target.apiKey, "X-Goog-Upload-Command": "query" },
      ...(signal ? { signal } : {})
    },
    "Querying the upload"
  );
  await expectOk(response, "Querying the upload");
  await response.body?.cancel();
  return Number(response.headers.get("x-goog-upload-size-received") ?? 0);
}
