/**
 * Keys derived from SHARED_SECRET with HKDF-SHA-256, one for each purpose
 * (its salt and `info`), so that a value made for one purpose never checks
 * for another. Each is derived once per isolate and secret.
 * @module
 */

type DeriveKey = SubtleCrypto["deriveKey"];

export interface KeyPurpose {
  salt: string;
  info: string;
  algorithm: Parameters<DeriveKey>[2];
  usages: Parameters<DeriveKey>[4];
}

const encoder = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

export function derivedKey(secret: string, purpose: KeyPurpose): Promise<CryptoKey> {
  const name = `${purpose.salt}\u0000${purpose.info}\u0000${secret}`;
  let key = keys.get(name);
  if (!key) {
    key = (async () => {
      const base = await crypto.subtle.importKey("raw", encoder.encode(secret), "HKDF", false, ["deriveKey"]);
      return crypto.subtle.deriveKey(
        { name: "HKDF", hash: "SHA-256", salt: encoder.encode(purpose.salt), info: encoder.encode(purpose.info) },
        base,
        purpose.algorithm,
        false,
        purpose.usages
      );
    })();
    keys.set(name, key);
  }
  return key;
}

export const hex = (bytes: Uint8Array): string => Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
