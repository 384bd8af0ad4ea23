/**
 * A PATCH's bytes on their way to Gemini: read from the request body into
 * one chunk-sized buffer, each full chunk sent to the Files API resumable
 * upload and acknowledged before the next is read, so nothing beyond one
 * chunk is held. The first bytes of the file decide its type (a non-video
 * is refused before more is read). Bytes after the last whole chunk of a
 * PATCH that does not reach the end are not kept: the answer's offset is
 * what Gemini acknowledged, and the client resends from there.
 * @module
 */
import { withRetry } from "../gemini/retry";
import { queryUpload, startUpload, UPLOAD_CHUNK_BYTES, uploadChunk, type UploadTarget } from "../gemini/upload";
import { sniffVideoType, videoMimeType } from "../video/mime";
import { MAX_CHUNK_BYTES, tusError } from "./tus";
import type { UploadRecord } from "./upload-record";

/** The first bytes looked at to recognise the container. */
const SNIFF_BYTES = 4096;

export interface PatchInput {
  record: UploadRecord;
  body: ReadableStream<Uint8Array> | null;
  contentLength: number | undefined;
  target: UploadTarget;
  /** A body that sends nothing for this long is taken as cut (SOURCE_IDLE_TIMEOUT_SECONDS, as for a video's host). */
  idleMs: number;
  save(record: UploadRecord): Promise<void>;
}

/** The MIME type the file's first bytes show; the caller's hint or the name's extension when they show none. */
function typeOf(record: UploadRecord, firstBytes: Uint8Array): string | undefined {
  const url = new URL(`file:///${encodeURIComponent(record.fileName)}`);
  return sniffVideoType(firstBytes) ?? videoMimeType(record.mimeType, url, new Uint8Array(0));
}

/** A chunk buffer a finished PATCH left for the next one in this isolate, so each PATCH does not leave 8 MiB for the collector. */
let spareBuffer: ArrayBuffer | undefined;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

type ByobReader = ReadableStreamBYOBReader;

/** The next read into `view`, or "cut" when the client went away or sent nothing for `idleMs`. */
async function readWithin(
  reader: ByobReader,
  view: Uint8Array<ArrayBuffer>,
  idleMs: number
): Promise<ReadableStreamReadResult<Uint8Array<ArrayBuffer>> | "cut"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const idle = new Promise<"cut">((resolve) => {
    timer = setTimeout(() => resolve("cut"), idleMs);
  });
  try {
    return await Promise.race([reader.read(view), idle]);
  } catch {
    // The client went away mid-body.
    return "cut";
  } finally {
    clearTimeout(timer);
  }
}

/** Streams the body to Gemini from `record.offset`; returns the record as Gemini left it. */
export async function patchUpload(input: PatchInput): Promise<UploadRecord> {
  let record = input.record;
  // SAFETY: the object refuses a PATCH on an upload without a length.
  const length = record.length!;
  const left = length - record.offset;
  if (input.contentLength !== undefined && input.contentLength > MAX_CHUNK_BYTES) {
    await input.body?.cancel();
    throw tusError(
      413,
      "chunk_too_large",
      `A PATCH may carry at most ${MAX_CHUNK_BYTES} bytes (64 MiB); send the file in several.`
    );
  }
  if (input.contentLength !== undefined && input.contentLength > left) {
    await input.body?.cancel();
    throw tusError(
      413,
      "past_upload_length",
      `The PATCH carries ${input.contentLength} bytes, but only ${left} are left before Upload-Length (${length}).`
    );
  }
  if (!input.body) return record;
  // Read straight into one reused chunk buffer (BYOB), never more than the chunk that is being filled.
  const reader = input.body.getReader({ mode: "byob" });
  const budget = Math.min(left, MAX_CHUNK_BYTES);
  let buffer = spareBuffer ?? new ArrayBuffer(Math.min(UPLOAD_CHUNK_BYTES, budget));
  spareBuffer = undefined;
  let read = 0;
  let ended = false;
  let sniffed = record.offset > 0;

  const send = async (bytes: Uint8Array): Promise<void> => {
    const from = record.offset;
    const finalize = from + bytes.byteLength === length;
    let uploadUrl = record.geminiUploadUrl;
    if (uploadUrl === null) {
      const mimeType = typeOf(record, bytes);
      // SAFETY: the type was checked on the first bytes before any chunk is sent.
      uploadUrl = await withRetry(
        () => startUpload(input.target, { mimeType: mimeType!, totalBytes: length, displayName: record.fileName }),
        { sleep }
      );
      record = { ...record, state: "uploading", mimeType: mimeType ?? null, geminiUploadUrl: uploadUrl };
      await input.save(record);
    }
    try {
      const result = await withRetry(() => uploadChunk(input.target, uploadUrl, from, bytes, finalize), { sleep });
      record = result.file
        ? {
            ...record,
            state: "complete",
            offset: from + bytes.byteLength,
            geminiUploadUrl: null,
            geminiFileName: result.file.name,
            geminiFileUri: result.file.uri
          }
        : { ...record, offset: from + bytes.byteLength };
      await input.save(record);
    } catch (error) {
      // Gemini may have taken the bytes before the answer was lost: its count is the truth.
      const received = await queryUpload(input.target, uploadUrl).catch(() => record.offset);
      record = { ...record, offset: received };
      await input.save(record);
      throw tusError(
        502,
        "gemini_failed",
        `Gemini did not take the bytes (${String(error)}); ask HEAD for the offset and resume.`,
        {
          "Upload-Offset": String(received)
        }
      );
    }
  };

  try {
    while (!ended && read < budget) {
      // A whole Gemini chunk, or what is left of the file; the body may end (or be cut) before.
      const target = Math.min(UPLOAD_CHUNK_BYTES, length - record.offset, budget - read);
      let filled = 0;
      while (filled < target) {
        const next = await readWithin(reader, new Uint8Array(buffer, filled, target - filled), input.idleMs);
        if (next === "cut") {
          ended = true;
          break;
        }
        if (next.value) {
          buffer = next.value.buffer;
          filled += next.value.byteLength;
          read += next.value.byteLength;
        }
        if (!sniffed && (filled >= Math.min(SNIFF_BYTES, target) || next.done)) {
          sniffed = true;
          refuseNonVideo(record, new Uint8Array(buffer, 0, filled));
        }
        if (next.done) {
          ended = true;
          break;
        }
      }
      // Whole chunks go to Gemini (and the file's last bytes); a partial one is not kept.
      const whole = filled === UPLOAD_CHUNK_BYTES || record.offset + filled === length;
      if (filled === 0 || !whole) break;
      await send(new Uint8Array(buffer, 0, filled));
      if (record.offset === length) break;
    }
    if (!ended) await refuseMore(reader, record, read, left, input.idleMs);
  } finally {
    await reader.cancel().catch(() => {});
    // A buffer a cut read still holds is detached (length 0) and not kept.
    if (buffer.byteLength === UPLOAD_CHUNK_BYTES) spareBuffer = buffer;
  }
  return record;
}

/** Past the budget or the file's end, the body must be over: one more byte is a 413. */
async function refuseMore(reader: ByobReader, record: UploadRecord, read: number, left: number, idleMs: number): Promise<void> {
  const probe = await readWithin(reader, new Uint8Array(1), idleMs);
  if (probe === "cut" || probe.done || !probe.value?.byteLength) return;
  const headers = { "Upload-Offset": String(record.offset) };
  if (read >= left) {
    throw tusError(413, "past_upload_length", `The PATCH carries bytes past Upload-Length (${record.length}).`, headers);
  }
  throw tusError(413, "chunk_too_large", `A PATCH may carry at most ${MAX_CHUNK_BYTES} bytes (64 MiB).`, headers);
}

function refuseNonVideo(record: UploadRecord, firstBytes: Uint8Array): void {
  if (typeOf(record, firstBytes)) return;
  throw tusError(
    415,
    "not_a_video",
    "This file is not a video: its first bytes match no video format (mp4, mov, webm, mkv, avi, mpeg, flv, wmv, 3gp)."
  );
}
