/**
 * The contract between the front Worker and `SessionDO`: the Worker decides
 * which session a request belongs to and how, and says so in the URL it
 * forwards; the Durable Object trusts only that.
 * @module
 */

/**
 * - `create`: open a new session (the Worker minted the id).
 * - `attach`: use an existing session; 404 when there is none.
 * - `ephemeral`: a one-off `/rpc` call with no session to report to.
 * - `handshake`: a `/mcp` request without a session id; the session exists
 *   once its initialize request succeeds.
 */
export type SessionMode = "create" | "attach" | "ephemeral" | "handshake";

export interface SessionRoute {
  path: string;
  sessionId: string;
  mode: SessionMode;
  /** The origin the client called: links to the console's pages and the URLs `createVideoUpload` hands out start with it; set by `toSessionRequest`. */
  origin?: string;
}

const INTERNAL_ORIGIN = "https://session.internal";

/** Rewrites `request` for the session's Durable Object. */
export function toSessionRequest(request: Request, route: SessionRoute): Request {
  const url = new URL(route.path, INTERNAL_ORIGIN);
  url.searchParams.set("sessionId", route.sessionId);
  url.searchParams.set("mode", route.mode);
  url.searchParams.set("origin", new URL(request.url).origin);
  return new Request(url, request);
}

/** Reads what `toSessionRequest` wrote. */
export function readSessionRoute(request: Request): SessionRoute {
  const url = new URL(request.url);
  const mode = url.searchParams.get("mode");
  const origin = url.searchParams.get("origin");
  return {
    path: url.pathname,
    sessionId: url.searchParams.get("sessionId") ?? "",
    mode: mode === "create" || mode === "ephemeral" || mode === "handshake" ? mode : "attach",
    ...(origin !== null ? { origin } : {})
  };
}
