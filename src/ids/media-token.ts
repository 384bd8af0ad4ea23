/**
 * Media tokens: the capability in a viewer's `GET /media?token=` link. A
 * token seals one video URL and the time it expires with AES-256-GCM, under
 * a key derived (HKDF-SHA-256) from SHARED_SECRET apart from the session
 * ids' key. The GCM tag signs it: a token this server did not make, or one
 * changed by a single bit, does not open. Sealing rather than only signing
 * keeps the source URL (which may carry its own access token, as a
 * pre-signed storage link does) out of the link, and so out of logs.
 * @module
 */
import { derivedKey, type KeyPurpose } from "./derived-key";

/** How long a media link plays: the length of a long film and then some, not a standing address. */
export const MEDIA_TOKEN_TTL_MS = 6 * 60 * 60 * 1000;

const IV_BYTES = 12;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** What opening a token found. */
export type OpenedToken = { videoUrl: string; expiresAt: number } | { refused: "forged" | "expired" };

export interface MediaTokens {
  /** A token for `videoUrl` that opens until `now + MEDIA_TOKEN_TTL_MS`. */
  issue(videoUrl: string, now?: number): Promise<string>;
  open(token: string, now?: number): Promise<OpenedToken>;
}

const SEALING_KEY: KeyPurpose = {
  salt: "gemini-video-mcp",
  info: "media tokens v1",
  algorithm: { name: "AES-GCM", length: 256 },
  usages: ["encrypt", "decrypt"]
};

const sealingKey = (secret: string) => derivedKey(secret, SEALING_KEY);

function toBase64Url(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
  try {
    return Uint8Array.from(atob(text.replaceAll("-", "+").replaceAll("_", "/")), (char) => char.charCodeAt(0));
  } catch {
    return undefined;
  }
}

function payloadOf(bytes: ArrayBuffer): { videoUrl: string; expiresAt: number } | undefined {
  try {
    // SAFETY: both fields are read as unknown and checked below; a payload that is not an object throws into the catch.
    const { u, e } = JSON.parse(decoder.decode(bytes)) as { u?: unknown; e?: unknown };
    return typeof u === "string" && typeof e === "number" ? { videoUrl: u, expiresAt: e } : undefined;
  } catch {
    return undefined;
  }
}

export function mediaTokens(secret: string | undefined): MediaTokens {
  if (!secret) throw new Error("SHARED_SECRET is not set: media tokens cannot be sealed");
  return {
    async issue(videoUrl, now = Date.now()) {
      const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
      const plain = encoder.encode(JSON.stringify({ u: videoUrl, e: now + MEDIA_TOKEN_TTL_MS }));
      const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv }, await sealingKey(secret), plain));
      const token = new Uint8Array(IV_BYTES + sealed.length);
      token.set(iv);
      token.set(sealed, IV_BYTES);
      return toBase64Url(token);
    },
    async open(token, now = Date.now()) {
      const bytes = fromBase64Url(token);
      if (!bytes || bytes.length <= IV_BYTES) return { refused: "forged" };
      let plain: ArrayBuffer;
      try {
        plain = await crypto.subtle.decrypt(
          { name: "AES-GCM", iv: bytes.subarray(0, IV_BYTES) },
          await sealingKey(secret),
          bytes.subarray(IV_BYTES)
        );
      } catch {
        return { refused: "forged" };
      }
      const payload = payloadOf(plain);
      if (!payload) return { refused: "forged" };
      return payload.expiresAt <= now ? { refused: "expired" } : payload;
    }
  };
}
