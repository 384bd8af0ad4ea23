/**
 * Resumable uploads to this server's tus endpoint (`/uploads`, see
 * docs/uploads.md) with tus-js-client, which the page loads as a classic
 * script (public/console/vendor/tus.min.js sets `window.tus`). Shared by the
 * console's drop zone and the one-time upload page.
 *
 * Each upload is remembered in localStorage under a fingerprint of the file
 * (name, type, size, last change) and a scope (the console, or one link's
 * upload), so the same file picked again after a reload or a crash carries on
 * from the offset the server reports instead of starting over.
 */

const { tus } = globalThis;

/** The largest PATCH the server takes (its `Upload-Max-Chunk-Size`), a multiple of the 8 MiB Gemini acknowledges, so nothing is sent twice. */
export const CHUNK_BYTES = 64 * 1024 * 1024;
/** A lost network is retried for about a minute and a half before the upload shows as interrupted. */
const RETRY_DELAYS_MS = [0, 1000, 3000, 5000, 10_000, 20_000, 30_000];
const UPLOAD_ID = /\/uploads\/([0-9a-f]{32})$/;

export const UPLOADS_ENDPOINT = new URL("/uploads", location.origin).href;

/** The upload id at the end of a tus URL (`<origin>/uploads/<id>`). */
export function uploadIdOf(url) {
  return UPLOAD_ID.exec(new URL(url, location.origin).pathname)?.[1];
}

function fingerprintIn(scope) {
  return (file, options) =>
    Promise.resolve(["tus", scope, file.name, file.type, file.size, file.lastModified, options.endpoint].join("|"));
}

/** The uploads of `scope` this browser started and did not finish: `{ fileName, size, uploadId, storageKey }`, oldest first. */
export async function unfinishedUploads(scope) {
  const entries = await tus.defaultOptions.urlStorage.findAllUploads();
  return entries
    .filter((entry) => entry.urlStorageKey.startsWith(`tus::tus|${scope}|`) && entry.uploadUrl)
    .sort((a, b) => String(a.creationTime).localeCompare(String(b.creationTime)))
    .map((entry) => ({
      fileName: entry.metadata?.filename ?? "a file",
      size: entry.size,
      uploadId: uploadIdOf(entry.uploadUrl),
      storageKey: entry.urlStorageKey
    }));
}

/** tus's `Upload-Metadata` (`key base64value` pairs); a value that is not base64 is left out. */
export function decodeMetadata(header) {
  const text = (value) => {
    try {
      return new TextDecoder().decode(Uint8Array.from(atob(value ?? ""), (char) => char.charCodeAt(0)));
    } catch {
      return undefined;
    }
  };
  const pairs = (header ?? "").split(",").map((pair) => pair.trim().split(" "));
  return Object.fromEntries(pairs.filter(([key]) => key).map(([key, value]) => [key, text(value)]));
}

/** The file name an upload was created with (`HEAD`, with the console's cookie); undefined when it cannot be had. */
export async function uploadFileName(uploadId) {
  const response = await fetch(`${UPLOADS_ENDPOINT}/${uploadId}`, {
    method: "HEAD",
    headers: { "Tus-Resumable": "1.0.0" },
    cache: "no-store"
  }).catch(() => undefined);
  return response?.ok ? decodeMetadata(response.headers.get("Upload-Metadata")).filename : undefined;
}

/** Whether this browser has an unfinished upload of `file` in `scope` (the same file picked again carries it on). */
export async function hasUnfinishedUpload(file, scope) {
  const fingerprint = await fingerprintIn(scope)(file, { endpoint: UPLOADS_ENDPOINT });
  return (await tus.defaultOptions.urlStorage.findUploadsByFingerprint(fingerprint)).length > 0;
}

/** Deletes an unfinished upload on the server (an analysis waiting for it fails) and forgets it here. */
export async function deleteUpload({ uploadId, storageKey }) {
  await tus.Upload.terminate(`${UPLOADS_ENDPOINT}/${uploadId}`, { retryDelays: null }).catch(() => {
    // Gone already (expired or deleted): forgetting it is all that is left.
  });
  await tus.defaultOptions.urlStorage.removeUpload(storageKey);
}

/** A readable sentence for a failed tus request: the server's own message when it sent one. */
function problemOf(error) {
  const response = error.originalResponse;
  if (!response) return navigator.onLine ? "The connection to the server was lost." : "This computer is offline.";
  try {
    // A refusal's body: `{ error: { code, message } }` (docs/uploads.md).
    const message = JSON.parse(response.getBody())?.error?.message;
    if (typeof message === "string" && message) return message;
  } catch {
    // Not JSON: answered below.
  }
  return `The server answered ${response.getStatus()}.`;
}

/**
 * Starts uploading `file`, or carries on with its unfinished upload in
 * `scope`. `onChange(progress)` hears every change of
 * `{ status, fileName, size, sent, uploadId, resumedFrom, problem, statusCode }`, where status is
 * "starting", "uploading", "paused", "interrupted", "done" or "failed";
 * `onUploadId(uploadId)` hears the upload's id once the server has it (a new
 * upload or one carried on). Returns `{ pause(), resume(), cancel() }`.
 */
export function startUpload(file, { scope, headers = {}, onChange, onUploadId }) {
  const progress = {
    status: "starting",
    fileName: file.name,
    size: file.size,
    sent: 0,
    uploadId: undefined,
    resumedFrom: undefined,
    problem: undefined,
    statusCode: undefined
  };
  const change = (changes) => {
    Object.assign(progress, changes);
    onChange({ ...progress });
  };
  let heardId;

  const upload = new tus.Upload(file, {
    endpoint: UPLOADS_ENDPOINT,
    headers,
    chunkSize: CHUNK_BYTES,
    retryDelays: RETRY_DELAYS_MS,
    metadata: { filename: file.name, filetype: file.type || "application/octet-stream" },
    fingerprint: fingerprintIn(scope),
    removeFingerprintOnSuccess: true,
    onUploadUrlAvailable() {
      const uploadId = uploadIdOf(upload.url);
      change({ uploadId, status: "uploading" });
      if (uploadId && uploadId !== heardId) {
        heardId = uploadId;
        onUploadId?.(uploadId);
      }
    },
    onAfterResponse(request, response) {
      // A HEAD answers where the server's copy ends: the upload carries on from there.
      if (request.getMethod() !== "HEAD") return;
      const offset = Number.parseInt(response.getHeader("Upload-Offset") ?? "", 10);
      if (offset > 0 && offset < file.size) change({ resumedFrom: offset, sent: offset });
    },
    onProgress(sent) {
      if (progress.status !== "paused") change({ sent, status: "uploading" });
    },
    onSuccess() {
      change({ sent: file.size, status: "done" });
    },
    onError(error) {
      const statusCode = error.originalResponse?.getStatus();
      // A network that is gone is not a verdict: the upload carries on when it is back.
      change({ status: statusCode === undefined ? "interrupted" : "failed", problem: problemOf(error), statusCode });
    }
  });

  const begin = async () => {
    const [previous] = await upload.findPreviousUploads();
    if (previous) upload.resumeFromPreviousUpload(previous);
    upload.start();
  };
  const onOnline = () => {
    if (progress.status === "interrupted") {
      change({ status: "uploading", problem: undefined });
      upload.start();
    }
  };
  window.addEventListener("online", onOnline);
  void begin();

  return {
    pause() {
      if (progress.status !== "uploading" && progress.status !== "starting") return;
      void upload.abort();
      change({ status: "paused" });
    },
    resume() {
      if (progress.status !== "paused" && progress.status !== "interrupted") return;
      change({ status: "uploading", problem: undefined });
      upload.start();
    },
    /** Stops and deletes the upload on the server. */
    async cancel() {
      window.removeEventListener("online", onOnline);
      await upload.abort(true).catch(() => {});
    }
  };
}
