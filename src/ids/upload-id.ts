/**
 * An upload's id (128 random bits, 32 lowercase hex characters) and how an
 * analysis names it: `upload:<id>`, in the one `videoUrl` field every
 * analysis tool already has (docs/uploads.md says why).
 * @module
 */
import { randomHex } from "./random";

export const UPLOAD_ID = /^[0-9a-f]{32}$/;
export const UPLOAD_SCHEME = "upload:";

export function newUploadId(): string {
  return randomHex(16);
}

export function isUploadId(text: string): boolean {
  return UPLOAD_ID.test(text);
}

/** `upload:<id>` for an analysis's `videoUrl`. */
export function uploadVideoUrl(uploadId: string): string {
  return `${UPLOAD_SCHEME}${uploadId}`;
}

/**
 * The id an `upload:` video names; undefined when `videoUrl` is no
 * `upload:` URL, null when it is one whose id is malformed.
 */
export function uploadIdOf(videoUrl: string): string | null | undefined {
  const text = videoUrl.trim();
  if (text.slice(0, UPLOAD_SCHEME.length).toLowerCase() !== UPLOAD_SCHEME) return undefined;
  const id = text.slice(UPLOAD_SCHEME.length).toLowerCase();
  return isUploadId(id) ? id : null;
}
