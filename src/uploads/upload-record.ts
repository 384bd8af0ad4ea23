/**
 * What an upload's object stores, and what it tells others about it.
 * @module
 */

export type UploadState = "created" | "uploading" | "complete" | "expired" | "deleted";

export interface UploadRecord {
  id: string;
  state: UploadState;
  /** The file's size (`Upload-Length`); null until a capability's caller says it. */
  length: number | null;
  /** Bytes Gemini has acknowledged. */
  offset: number;
  /** `Upload-Metadata` as created, answered on HEAD. */
  metadata: string | null;
  /** For lists and Gemini's display name. */
  fileName: string;
  /** The caller's hint until the first bytes are in, then the type they show. */
  mimeType: string | null;
  /** Gemini's resumable upload session, until the file is final. */
  geminiUploadUrl: string | null;
  geminiFileName: string | null;
  geminiFileUri: string | null;
  createdAt: number;
  expiresAt: number;
}

export interface UploadStatus {
  uploadId: string;
  state: UploadState;
  length: number | null;
  offset: number;
  fileName: string;
  mimeType: string | null;
  geminiFileName: string | null;
  geminiFileUri: string | null;
  createdAt: number;
  expiresAt: number;
}
