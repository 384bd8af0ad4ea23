/**
 * Errors that know their own HTTP response, and the JSON bodies they carry.
 * @module
 */

/** A JSON `{ error: { code, message } }` response. */
export function jsonErrorResponse(
  status: number,
  code: string,
  message: string,
  headers: HeadersInit = {}
): Response {
  return Response.json({ error: { code, message } }, { status, headers });
}

/** Thrown anywhere in the front Worker; mapped to its response in one place. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: HeadersInit = {}
  ) {
    super(message);
    this.name = "HttpError";
  }

  getResponse(): Response {
    return jsonErrorResponse(this.status, this.code, this.message, this.headers);
  }
}

/** A session id that names no live session (never created, expired or deleted). */
export function unknownSessionError(): HttpError {
  return new HttpError(
    404,
    "unknown_session",
    "Unknown or expired session. Open a new one with GET /sse, or initialize again on /mcp."
  );
}
