/**
 * Random identifiers, written once: `randomHex(16)` is 128 random bits as 32
 * lowercase hex characters (session ids, job id suffixes).
 * @module
 */

/** `bytes` random bytes from the platform CSPRNG, as lowercase hex. */
export function randomHex(bytes: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (byte) => byte.toString(16).padStart(2, "0")).join("");
}
