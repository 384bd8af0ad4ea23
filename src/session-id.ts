/**
 * Session ids: 128 random bits as 32 lowercase hex characters.
 * @module
 */

const SESSION_ID_PATTERN = /^[0-9a-f]{32}$/;

export function newSessionId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** True for strings `newSessionId` could have produced. */
export function isSessionId(value: string): boolean {
  return SESSION_ID_PATTERN.test(value);
}
