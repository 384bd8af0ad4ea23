/**
 * The one-time upload capability: `<expiresAtSeconds>.<uploadId>.<mac>`,
 * the MAC an HMAC-SHA-256 of the first two parts under a key derived from
 * SHARED_SECRET (HKDF, its own label). The front Worker checks it without
 * asking any object; it grants sending the bytes of that one upload until it
 * expires, and nothing else (docs/uploads.md, SECURITY.md).
 * @module
 */
import { derivedKey, hex, type KeyPurpose } from "./derived-key";
import { isUploadId } from "./upload-id";

const CAPABILITY = /^(\d{1,12})\.([0-9a-f]{32})\.([0-9a-f]{64})$/;

/** How long a link `createVideoUpload` hands out may be used. */
export const UPLOAD_LINK_TTL_SECONDS = 60 * 60;

export type CapabilityCheck =
  | { ok: true; uploadId: string; expiresAt: number }
  | { ok: false; reason: "malformed" | "forged" | "expired" | "wrong-upload"; expiresAt?: number };

const MAC_KEY: KeyPurpose = {
  salt: "",
  info: "gemini-video-mcp upload capability v1",
  algorithm: { name: "HMAC", hash: "SHA-256", length: 256 },
  usages: ["sign", "verify"]
};

const macKey = (secret: string) => derivedKey(secret, MAC_KEY);

/** A capability for `uploadId` until `expiresAtMs`. */
export async function issueCapability(secret: string, uploadId: string, expiresAtMs: number): Promise<string> {
  if (!isUploadId(uploadId)) throw new Error("not an upload id");
  const signed = `${Math.floor(expiresAtMs / 1000)}.${uploadId}`;
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", await macKey(secret), new TextEncoder().encode(signed)));
  return `${signed}.${hex(mac)}`;
}

/**
 * Whether `capability` is one this server issued, still valid at `nowMs`,
 * for `uploadId` (any upload when `uploadId` is undefined: a creation names
 * none).
 */
export async function checkCapability(
  secret: string,
  capability: string,
  uploadId: string | undefined,
  nowMs: number
): Promise<CapabilityCheck> {
  const parts = CAPABILITY.exec(capability.trim());
  if (!parts) return { ok: false, reason: "malformed" };
  // SAFETY: CAPABILITY captures three groups in every match.
  const [, seconds, id, macHex] = parts as unknown as [string, string, string, string];
  const mac = Uint8Array.from(macHex.match(/../g) ?? [], (pair) => Number.parseInt(pair, 16));
  const signed = new TextEncoder().encode(`${seconds}.${id}`);
  if (!(await crypto.subtle.verify("HMAC", await macKey(secret), mac, signed))) return { ok: false, reason: "forged" };
  const expiresAt = Number(seconds) * 1000;
  if (expiresAt <= nowMs) return { ok: false, reason: "expired", expiresAt };
  if (uploadId !== undefined && uploadId !== id) return { ok: false, reason: "wrong-upload", expiresAt };
  return { ok: true, uploadId: id, expiresAt };
}
