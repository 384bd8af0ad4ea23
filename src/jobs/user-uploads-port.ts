/**
 * What a job on an uploaded file (`upload:<id>`) asks of the upload's
 * object, which the host reaches (`UploadDO.status`).
 * @module
 */

export interface UserUploadStatus {
  state: "created" | "uploading" | "complete" | "expired" | "deleted";
  /** The file's size; null until the uploader says it. */
  length: number | null;
  /** Bytes Gemini has acknowledged. */
  offset: number;
  mimeType: string | null;
  /** The file's name as its uploader gave it. */
  fileName: string;
  /** The Gemini file, once the last byte is in. */
  geminiFileName: string | null;
  geminiFileUri: string | null;
}

export interface UserUploads {
  /** Where the upload stands; null for an id never made. */
  status(uploadId: string): Promise<UserUploadStatus | null>;
}
