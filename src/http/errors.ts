/**
 * Errors that know their own HTTP response. On the JSON-RPC routes (`routes.ts`) every
 * refusal is a JSON-RPC error body, as the MCP SDK writes its own; elsewhere
 * (`GET /sse`, `/health`, unknown paths) it is `{ error: { code, message } }`.
 * @module
 */

/** How a route writes its errors (each route says which in `routes.ts`). */
export type ErrorFormat = "json" | "json-rpc";

/**
 * The JSON-RPC code for an HTTP refusal, as the SDK's Streamable HTTP
 * transport chooses them: -32001 for an unknown session (the only 404 on a
 * JSON-RPC route), -32603 for a fault of the server, -32000 for the rest.
 */
function jsonRpcCodeFor(status: number): number {
  if (status === 404) return -32001;
  return status >= 500 ? -32603 : -32000;
}

/** Thrown anywhere in the front Worker or a session; mapped to its response in one place. */
export class HttpError extends Error {
  /**
   * @param code a stable name for the refusal (`body_too_large`), the JSON
   *   error's `code`, or the JSON-RPC error's `data.reason`
   */
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: HeadersInit = {}
  ) {
    super(message);
    this.name = "HttpError";
  }

  getResponse(format: ErrorFormat): Response {
    const body =
      format === "json-rpc"
        ? {
            jsonrpc: "2.0",
            id: null,
            error: { code: jsonRpcCodeFor(this.status), message: this.message, data: { reason: this.code } }
          }
        : { error: { code: this.code, message: this.message } };
    return Response.json(body, { status: this.status, headers: this.headers });
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

/** The answer to an exception nothing expected; its details stay in the log. */
export function internalError(): HttpError {
  return new HttpError(500, "internal_error", "Internal server error");
}
