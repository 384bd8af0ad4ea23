/**
 * The shape of session ids (32 lowercase hex characters; `signed-session-id.ts`
 * issues and checks them) and the SSE event ids built from them.
 * @module
 */

const SESSION_ID_PATTERN = /^[0-9a-f]{32}$/;

/** True for strings shaped like a session id (whether this server issued it is `SessionIds.verify`). */
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
  // SAFETY: the pattern captures the session id in every match.
  return match ? { sessionId: match[1]!, seq: Number(match[2]) } : undefined;
}
