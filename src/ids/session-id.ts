/**
 * Session ids (128 random bits as 32 lowercase hex characters) and the SSE
 * event ids built from them.
 * @module
 */
import { randomHex } from "./random";

const SESSION_ID_PATTERN = /^[0-9a-f]{32}$/;

export function newSessionId(): string {
  return randomHex(16);
}

/** True for strings `newSessionId` could have produced. */
export function isSessionId(value: string): boolean {
  return SESSION_ID_PATTERN.test(value);
}

/** An SSE event id: the session id and the event's sequence number, so the id alone names its session. */
export function eventId(sessionId: string, seq: number): string {
  return `${sessionId}-${seq}`;
}

/** Reads an id `eventId` made; undefined for anything else. */
export function parseEventId(id: string): { sessionId: string; seq: number } | undefined {
  const match = /^([0-9a-f]{32})-(\d{1,15})$/.exec(id.trim());
  return match ? { sessionId: match[1]!, seq: Number(match[2]) } : undefined;
}
