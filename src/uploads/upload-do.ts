/**
 * `UploadDO`: one Durable Object per tus upload (named by its id). It owns
 * the upload's Gemini resumable upload session, the offset Gemini has
 * acknowledged, its expiry, and once the last byte is in, the Gemini file,
 * which it deletes when the upload expires or is deleted.
 *
 * ## Storage layout
 * One record under `upload` (`UploadRecord`). It is the checkpoint: a PATCH
 * stores the new offset after each chunk Gemini acknowledged, and the first
 * request after a restart asks Gemini how far it really got.
 *
 * ## Lifecycle
 * Made by a creation (`POST /uploads`) or by `createVideoUpload` (`reserve`,
 * perhaps without a length yet); bytes come in PATCHes (`patch.ts`); the
 * alarm at `expiresAt` deletes the Gemini file and leaves a tombstone, so
 * the id then answers 410. Every change is reported to the console's index
 * (`UploadReporter`); the console object calls `discard` when the upload's
 * last analysis was cancelled.
 * @module
 */
import { DurableObject } from "cloudflare:workers";
import { readConfig, type Config } from "../config";
import type { Env } from "../env";
import { createGeminiClient } from "../gemini/client";
import { deleteGeminiFile } from "../gemini/delete-file";
import { queryUpload, type UploadTarget } from "../gemini/upload";
import { discardBody } from "../http/body";
import { HttpError } from "../http/errors";
import { byteCountHeader, parseMetadata, TUS_CONTENT_TYPE, tusError, tusHeaders } from "./tus";
import { patchUpload } from "./patch";
import { UploadReporter } from "./upload-reporter";
import { consoleObject } from "../session/console-reporter";
import type { UploadRecord, UploadStatus } from "./upload-record";

const KEY = "upload";

/** Who asks the object to create: the owner makes a new upload; a capability adopts the reserved one. */
export const CREATE_MODE_HEADER = "X-Upload-Create";

export interface Reservation {
  uploadId: string;
  length: number | null;
  fileName: string;
  mimeType: string | null;
}

export class UploadDO extends DurableObject<Env> {
  private readonly config: Config;
  private record: UploadRecord | undefined;
  /** Set once this life has checked the stored offset with Gemini. */
  private offsetChecked = false;
  /** A PATCH is streaming: another is refused (423) until it ends. */
  private writing = false;
  private readonly reporter: UploadReporter;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.config = readConfig(env);
    this.reporter = new UploadReporter(
      () => consoleObject(env),
      (delivery) => ctx.waitUntil(delivery)
    );
    ctx.blockConcurrencyWhile(async () => {
      this.record = await ctx.storage.get<UploadRecord>(KEY);
    });
  }

  /** RPC for `createVideoUpload`: makes the upload (its length may come later, from the page or the command). */
  async reserve(reservation: Reservation): Promise<UploadStatus> {
    if (!this.record) await this.create(reservation, null);
    // SAFETY: create stored it.
    return statusOf(this.record!);
  }

  /** RPC for analyses: where the upload stands (the offset as Gemini acknowledged it); null for an id never made. */
  async status(): Promise<UploadStatus | null> {
    if (!this.record) return null;
    await this.checkOffset();
    return statusOf(this.record);
  }

  /** RPC for the console object: the upload's analyses were cancelled and nothing else reads it, so it goes. */
  async discard(): Promise<void> {
    const record = this.record;
    if (!record || record.state === "expired" || record.state === "deleted") return;
    await this.end("deleted");
  }

  override async fetch(request: Request): Promise<Response> {
    try {
      return await this.serve(request);
    } catch (error) {
      if (error instanceof HttpError) return error.getResponse("json");
      console.error("Upload failed", error);
      return tusError(500, "internal_error", "The upload failed on the server; ask HEAD for the offset and resume.").getResponse(
        "json"
      );
    }
  }

  override async alarm(): Promise<void> {
    const record = this.record;
    if (!record || record.state === "expired" || record.state === "deleted") return;
    if (Date.now() < record.expiresAt) {
      await this.ctx.storage.setAlarm(record.expiresAt);
      return;
    }
    await this.end("expired");
  }

  private async serve(request: Request): Promise<Response> {
    const id = new URL(request.url).pathname.split("/").pop() ?? "";
    switch (request.method) {
      case "POST":
        return this.creation(request, id);
      case "HEAD":
        return this.head();
      case "PATCH":
        return this.patch(request);
      case "DELETE":
        return this.terminate();
      default:
        throw tusError(405, "method_not_allowed", "An upload accepts HEAD, PATCH, DELETE.");
    }
  }

  private async create(reservation: Reservation, metadata: string | null): Promise<UploadRecord> {
    const now = Date.now();
    const record: UploadRecord = {
      id: reservation.uploadId,
      state: "created",
      length: reservation.length,
      offset: 0,
      metadata,
      fileName: reservation.fileName,
      mimeType: reservation.mimeType,
      geminiUploadUrl: null,
      geminiFileName: null,
      geminiFileUri: null,
      createdAt: now,
      expiresAt: now + this.config.uploadTtlMs
    };
    await this.save(record);
    await this.ctx.storage.setAlarm(record.expiresAt);
    this.offsetChecked = true;
    return record;
  }

  /** POST: a new upload (the owner), or the capability's own upload given its length; then its first bytes, if sent. */
  private async creation(request: Request, id: string): Promise<Response> {
    const length = byteCountHeader(request, "Upload-Length");
    if (length === undefined) {
      throw tusError(
        400,
        "length_required",
        request.headers.has("Upload-Defer-Length")
          ? "Upload-Defer-Length is not supported: send Upload-Length, the file's size in bytes."
          : "Send Upload-Length, the file's size in bytes."
      );
    }
    if (length > this.config.maxUploadBytes) throw tooBig(length, this.config.maxUploadBytes);
    if (length === 0) throw tusError(400, "empty_upload", "An empty file is no video: Upload-Length must be above 0.");
    const metadataHeader = request.headers.get("Upload-Metadata");
    const metadata = parseMetadata(metadataHeader);
    if (request.headers.get(CREATE_MODE_HEADER) === "capability") {
      const record = this.live();
      if (record.length === null) {
        await this.save({ ...record, length, metadata: metadataHeader ?? record.metadata });
      } else if (record.length !== length) {
        throw tusError(
          409,
          "length_mismatch",
          `This upload is for a file of ${record.length} bytes; this one has ${length}. Ask for a new upload link for another file.`
        );
      }
    } else {
      if (this.record) throw tusError(409, "upload_exists", "This upload exists already.");
      await this.create(
        { uploadId: id, length, fileName: displayName(metadata.filename), mimeType: metadata.filetype ?? null },
        metadataHeader
      );
    }
    // SAFETY: both branches leave a stored record.
    const record = this.record!;
    const headers = tusHeaders({ "Upload-Expires": new Date(record.expiresAt).toUTCString() });
    const hasBody = request.body !== null && (request.headers.get("Content-Length") ?? "1") !== "0";
    if (hasBody && request.headers.get("Content-Type")?.toLowerCase() === TUS_CONTENT_TYPE && record.offset === 0) {
      const patched = await this.patch(request, 0);
      headers.set("Upload-Offset", patched.headers.get("Upload-Offset") ?? String(this.record?.offset ?? 0));
      if (!patched.ok) return patched;
    } else {
      // Drained, not cancelled: under `wrangler dev` a body cancelled half-way breaks the next request on its connection.
      await discardBody(request, this.config.bodyTimeoutMs);
    }
    return new Response(null, { status: 201, headers });
  }

  private async head(): Promise<Response> {
    const record = this.live();
    await this.checkOffset();
    const headers = tusHeaders({
      "Upload-Offset": String(this.live().offset),
      "Upload-Expires": new Date(record.expiresAt).toUTCString()
    });
    if (record.length === null) headers.set("Upload-Defer-Length", "1");
    else headers.set("Upload-Length", String(record.length));
    if (record.metadata) headers.set("Upload-Metadata", record.metadata);
    return new Response(null, { status: 200, headers });
  }

  private async patch(request: Request, declaredOffset?: number): Promise<Response> {
    const contentType = request.headers.get("Content-Type")?.split(";")[0]?.trim().toLowerCase();
    if (contentType !== TUS_CONTENT_TYPE) {
      throw tusError(415, "wrong_content_type", `A PATCH's Content-Type must be ${TUS_CONTENT_TYPE}.`);
    }
    const offset = declaredOffset ?? byteCountHeader(request, "Upload-Offset");
    if (offset === undefined) throw tusError(400, "offset_required", "Send Upload-Offset, the offset the bytes start at.");
    if (this.writing) {
      throw tusError(423, "upload_locked", "Another PATCH is writing to this upload; wait for it, ask HEAD, and resume.");
    }
    this.writing = true;
    try {
      await this.checkOffset();
      const record = this.live();
      if (record.length === null) {
        throw tusError(409, "length_unknown", "This upload has no length yet: POST /uploads with Upload-Length first.");
      }
      if (record.state === "complete") throw tusError(409, "upload_complete", "This upload is complete; nothing more is taken.");
      if (offset !== record.offset) {
        throw tusError(
          409,
          "offset_mismatch",
          `Upload-Offset is ${offset}, but the upload is at ${record.offset}: resume from there.`,
          {
            "Upload-Offset": String(record.offset)
          }
        );
      }
      const result = await patchUpload({
        record,
        body: request.body,
        contentLength: byteCountHeader(request, "Content-Length"),
        target: this.target(),
        idleMs: this.config.sourceTimeouts.idleMs,
        save: (next) => this.savePatched(next)
      });
      return new Response(null, { status: 204, headers: tusHeaders({ "Upload-Offset": String(result.offset) }) });
    } finally {
      this.writing = false;
    }
  }

  private async terminate(): Promise<Response> {
    this.live();
    await this.end("deleted");
    return new Response(null, { status: 204, headers: tusHeaders() });
  }

  /** Expired or deleted: the Gemini file goes; a tombstone stays so the id answers 410. */
  private async end(state: "expired" | "deleted"): Promise<void> {
    // SAFETY: callers checked there is a record.
    const record = this.record!;
    await this.save({ ...record, state, geminiUploadUrl: null });
    await this.ctx.storage.deleteAlarm();
    if (record.geminiFileName) {
      const ai = createGeminiClient(this.config.gemini);
      await deleteGeminiFile(ai, record.geminiFileName, (ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    }
  }

  /** A PATCH's progress, unless the upload ended (deleted, expired, its analyses cancelled) while the bytes came in. */
  private async savePatched(next: UploadRecord): Promise<void> {
    const current = this.record;
    if (current?.state !== "expired" && current?.state !== "deleted") {
      await this.save(next);
      return;
    }
    if (next.geminiFileName) {
      const ai = createGeminiClient(this.config.gemini);
      await deleteGeminiFile(ai, next.geminiFileName, (ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    }
    throw tusError(
      410,
      current.state === "deleted" ? "upload_deleted" : "upload_expired",
      `This upload ${current.state === "deleted" ? "was deleted" : "expired"} while the bytes came in; start a new one.`
    );
  }

  /** The record of an upload that may still take requests: 404 for none, 410 for one expired or deleted. */
  private live(): UploadRecord {
    const record = this.record;
    if (!record) throw tusError(404, "unknown_upload", "No such upload. Create one with POST /uploads or createVideoUpload.");
    if (record.state === "expired" || record.state === "deleted" || Date.now() >= record.expiresAt) {
      throw tusError(
        410,
        record.state === "deleted" ? "upload_deleted" : "upload_expired",
        `This upload ${record.state === "deleted" ? "was deleted" : "expired"}; start a new one.`
      );
    }
    return record;
  }

  /** Once a life: the offset Gemini acknowledged may be past the stored one (a restart between its answer and the write). */
  private async checkOffset(): Promise<void> {
    const record = this.record;
    if (this.offsetChecked || !record?.geminiUploadUrl || record.state !== "uploading") return;
    const received = await queryUpload(this.target(), record.geminiUploadUrl);
    this.offsetChecked = true;
    if (received !== record.offset) await this.save({ ...record, offset: received });
  }

  private target(): UploadTarget {
    const { apiKey, baseUrl } = this.config.gemini;
    if (!apiKey) throw tusError(503, "no_api_key", "GOOGLE_API_KEY is not set, so nothing can be uploaded to Gemini.");
    return { apiKey, baseUrl, fetch: (input, init) => fetch(input, init) };
  }

  private async save(record: UploadRecord): Promise<void> {
    this.record = record;
    await this.ctx.storage.put(KEY, record);
    this.reporter.changed(record);
  }
}

function statusOf(record: UploadRecord): UploadStatus {
  const { id, state, length, offset, fileName, mimeType, geminiFileName, geminiFileUri, createdAt } = record;
  const expired = state !== "deleted" && Date.now() >= record.expiresAt;
  return {
    uploadId: id,
    state: expired ? "expired" : state,
    length,
    offset,
    fileName,
    mimeType,
    geminiFileName,
    geminiFileUri,
    createdAt,
    expiresAt: record.expiresAt
  };
}

export function tooBig(length: number, max: number): HttpError {
  return tusError(
    413,
    "upload_too_large",
    `The file is ${length} bytes; uploads are limited to ${max} bytes (MAX_UPLOAD_BYTES).`
  );
}

/** The last path segment of a name the client gave, for lists and Gemini's display name. */
export function displayName(name: string | undefined): string {
  const base = (name ?? "").split(/[\\/]/).pop()?.trim() ?? "";
  return base.slice(0, 200) || "video";
}
