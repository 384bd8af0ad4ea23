/**
 * Job ids: the id of the session that runs the job, a dot, and 64 random
 * bits, so the id alone names the Durable Object that owns the job.
 * @module
 */
import { randomHex } from "../ids/random";
import { isSessionId } from "../ids/session-id";

export function newJobId(sessionId: string): string {
  return `${sessionId}.${randomHex(8)}`;
}

/** The session that owns `jobId`, or undefined when the id names none. */
export function jobOwnerSession(jobId: string): string | undefined {
  const [sessionId] = jobId.split(".", 1);
  return sessionId !== undefined && isSessionId(sessionId) ? sessionId : undefined;
}
