/**
 * CORS for browser clients (MCP Inspector, web apps), from `ALLOWED_ORIGINS`.
 * @module
 */

const ALLOW_HEADERS =
  "Authorization, Content-Type, Accept, Mcp-Session-Id, Mcp-Protocol-Version, Last-Event-ID";
const ALLOW_METHODS = "GET, POST, DELETE, OPTIONS";
const EXPOSE_HEADERS = "Mcp-Session-Id";
const MAX_AGE_SECONDS = "86400";

export interface Cors {
  /** False when the request carries an `Origin` the list does not allow. */
  allowsOrigin(request: Request): boolean;
  /** Answers an `OPTIONS` preflight with 204, or `null` for other methods. */
  preflight(request: Request): Response | null;
  /** Returns `response` with the CORS headers for `request` added. */
  apply(request: Request, response: Response): Response;
}

/**
 * Builds the CORS handlers once per configuration. The allowed origin is the
 * request's `Origin` when the list allows it, `*` when there is no `Origin`
 * and the list is `*`, and absent otherwise. Credentials are never allowed:
 * auth is a bearer header, not a cookie.
 */
export function createCors(allowedOrigins: "*" | readonly string[]): Cors {
  const allowed = allowedOrigins === "*" ? null : new Set(allowedOrigins);

  function headersFor(request: Request): Headers {
    const headers = new Headers({
      "Access-Control-Allow-Headers": ALLOW_HEADERS,
      "Access-Control-Allow-Methods": ALLOW_METHODS,
      "Access-Control-Expose-Headers": EXPOSE_HEADERS,
      "Access-Control-Max-Age": MAX_AGE_SECONDS,
      Vary: "Origin"
    });
    const origin = request.headers.get("Origin");
    if (origin === null) {
      if (allowed === null) headers.set("Access-Control-Allow-Origin", "*");
    } else if (allowed === null || allowed.has(origin)) {
      headers.set("Access-Control-Allow-Origin", origin);
    }
    return headers;
  }

  return {
    allowsOrigin(request) {
      const origin = request.headers.get("Origin");
      return origin === null || allowed === null || allowed.has(origin);
    },
    preflight(request) {
      if (request.method !== "OPTIONS") return null;
      return new Response(null, { status: 204, headers: headersFor(request) });
    },
    apply(request, response) {
      const merged = new Response(response.body, response);
      for (const [name, value] of headersFor(request)) {
        if (name.toLowerCase() === "vary") merged.headers.append(name, value);
        else merged.headers.set(name, value);
      }
      return merged;
    }
  };
}
