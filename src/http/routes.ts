/**
 * The server's routes, in one table: the front Worker dispatches and checks
 * methods by it, errors take their format from it, and `SessionDO` must
 * handle every path it marks as a session's (its own table is typed by
 * `SessionPath`, so a path added here fails `tsc` until both handle it).
 * @module
 */
import type { ErrorFormat } from "./errors";

interface RouteSpec {
  /** The HTTP methods it accepts (OPTIONS is CORS's). */
  methods: readonly string[];
  /** How its refusals are written: JSON-RPC routes answer every error as JSON-RPC, as the MCP SDK does. */
  errors: ErrorFormat;
  /** Reached without a bearer token or OAuth access token. */
  public: boolean;
  /** Forwarded to a session's Durable Object (some of its requests may be answered by the Worker). */
  session: boolean;
  /**
   * Answered whatever the request's `Origin` (the origin policy does not
   * apply): the request carries its own capability, and a sandboxed frame's
   * `<video>` sends `Origin: null`.
   */
  anyOrigin?: boolean;
}

export const ROUTES = {
  "/health": { methods: ["GET", "HEAD"], errors: "json", public: true, session: false },
  "/sse": { methods: ["GET"], errors: "json", public: false, session: true },
  "/messages": { methods: ["POST"], errors: "json-rpc", public: false, session: true },
  "/rpc": { methods: ["POST"], errors: "json-rpc", public: false, session: true },
  "/mcp": { methods: ["POST", "GET", "DELETE"], errors: "json-rpc", public: false, session: true },
  // The token in its query is the credential: a viewer's <video> sends no header.
  "/media": { methods: ["GET", "HEAD"], errors: "json", public: true, session: false, anyOrigin: true }
} as const satisfies Record<string, RouteSpec>;

export type RoutePath = keyof typeof ROUTES;

/** The paths a `SessionDO` serves. */
export type SessionPath = { [P in RoutePath]: (typeof ROUTES)[P]["session"] extends true ? P : never }[RoutePath];

export function isRoutePath(pathname: string): pathname is RoutePath {
  return Object.hasOwn(ROUTES, pathname);
}

/** How errors on `pathname` are written; `json` on a path that is no route. */
export function errorFormatFor(pathname: string): ErrorFormat {
  return isRoutePath(pathname) ? ROUTES[pathname].errors : "json";
}

/** True for a route any page may reach, whatever its origin (see `RouteSpec.anyOrigin`). */
export function servesAnyOrigin(pathname: string): boolean {
  if (!isRoutePath(pathname)) return false;
  const route: RouteSpec = ROUTES[pathname];
  return route.anyOrigin === true;
}

export function isSessionPath(pathname: string): pathname is SessionPath {
  return isRoutePath(pathname) && ROUTES[pathname].session;
}
