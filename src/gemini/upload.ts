/**
 * The Gemini Files API resumable upload protocol, chunk by chunk. The SDK's
 * `files.upload` needs the whole file as a Blob; this streams instead.
 * @module
 */
import { GEMINI_API_VERSION, type FetchLike } from "./client";
import { GeminiHttpError } from "./retry";

export const UPLOAD_CHUNK_BYTES = 8 * 1024 * 1024;
export const GOOGLE_BASE_URL = "https://generativelanguage.googleapis.com";

export interface UploadTarget {
  apiKey: string;
  /** `GEMINI_BASE_URL`, when set; upload URLs are pointed at its host too. */
  baseUrl: string | undefined;
  fetch: FetchLike;
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
  const response = await target.fetch(`${base}/upload/${GEMINI_API_VERSION}/files`, {
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
  });
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
  const response = await target.fetch(uploadUrl, {
    method: "POST",
    headers: {
      "x-goog-api-key": target.apiKey,
      "X-Goog-Upload-Command": finalize ? "upload, finalize" : "upload",
      "X-Goog-Upload-Offset": String(offset)
    },
    body: bytes,
    ...(signal ? { signal } : {})
  });
  await expectOk(response, `Uploading bytes ${offset}-${offset + bytes.byteLength}`);
  const status = response.headers.get("x-goog-upload-status") ?? "active";
  // Always consume the body, so no response is left holding the connection.
  const text = await response.text();
  if (!finalize) return { status };
  const file = (JSON.parse(text) as { file?: GeminiFileResource }).file;
  if (status !== "final" || !file) {
    throw new GeminiHttpError(response.status, text, "Finalizing the upload");
  }
  return { status, file };
}

/** How many bytes the upload session has; used to resume after a restart. */
export async function queryUpload(target: UploadTarget, uploadUrl: string, signal?: AbortSignal): Promise<number> {
  const response = await target.fetch(uploadUrl, {
    method: "POST",
    headers: { "x-goog-api-key": target.apiKey, "X-Goog-Upload-Command": "query" },
    ...(signal ? { signal } : {})
  });
  await expectOk(response, "Querying the upload");
  await response.body?.cancel();
  return Number(response.headers.get("x-goog-upload-size-received") ?? 0);
}
