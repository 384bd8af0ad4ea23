/**
 * The origin policy and CORS for browser clients (MCP Inspector, web apps),
 * from `ALLOWED_ORIGINS`.
 * @module
 */
import { isLoopbackOrigin } from "./loopback";

/** The 2025 era's headers, then the 2026 era's: `Mcp-Method`, `Mcp-Name` and the tools' `Mcp-Param-*` (jobId). */
const ALLOW_HEADERS =
  "Authorization, Content-Type, Accept, Mcp-Session-Id, Mcp-Protocol-Version, Last-Event-ID, Mcp-Method, Mcp-Name, Mcp-Param-JobId";
const ALLOW_METHODS = "GET, POST, DELETE, OPTIONS";
/** WWW-Authenticate: browser MCP clients read the OAuth challenge (resource_metadata, scope) from it. */
const EXPOSE_HEADERS = "Mcp-Session-Id, WWW-Authenticate";
const MAX_AGE_SECONDS = "86400";

export interface Cors {
  /** False when the request carries an `Origin` the policy does not allow. */
  allowsOrigin(request: Request): boolean;
  /** Answers an `OPTIONS` preflight with 204, or `null` for other methods. */
  preflight(request: Request): Response | null;
  /** Returns `response` with the CORS headers for `request` added. */
  apply(request: Request, response: Response): Response;
}

/** `https://a.example/` and `HTTPS://A.EXAMPLE` as `https://a.example`; anything that is no URL as it is. */
function canonicalOrigin(text: string): string {
  try {
    const { origin } = new URL(text.trim());
    return origin === "null" ? text.trim() : origin;
  } catch {
    return text.trim();
  }
}

/**
 * Builds the policy and CORS handlers once per configuration. Allowed
 * origins:
 * - `"*"`: every origin (an explicit opt-in);
 * - a list: those origins, and the server's own;
 * - an empty list (`ALLOWED_ORIGINS` unset): loopback origins
 *   (`http://localhost:6274`, `http://127.0.0.1:3000`...) and the server's own.
 *
 * `Access-Control-Allow-Origin` is the request's `Origin` when allowed, `*`
 * when there is no `Origin` and the policy is `*`, and absent otherwise.
 * Credentials are never allowed: auth is a bearer header, not a cookie.
 */
export function createCors(allowedOrigins: "*" | readonly string[]): Cors {
  const listed = allowedOrigins === "*" ? null : new Set(allowedOrigins.map(canonicalOrigin));

  function allows(request: Request, origin: string): boolean {
    if (listed === null) return true;
    const canonical = canonicalOrigin(origin);
    if (canonical === new URL(request.url).origin) return true;
    return listed.size === 0 ? isLoopbackOrigin(canonical) : listed.has(canonical);
  }

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
      if (listed === null) headers.set("Access-Control-Allow-Origin", "*");
    } else if (allows(request, origin)) {
      headers.set("Access-Control-Allow-Origin", origin);
    }
    return headers;
  }

  return {
    allowsOrigin(request) {
      const origin = request.headers.get("Origin");
      return origin === null || allows(request, origin);
    },
    preflight(request) {
      if (request.method !== "OPTIONS") return null;
      return new Response(null, { status: 204, headers: headersFor(request) });
    },
    apply(request, response) {
      const merged = new Response(response.body, response);
      for (const [name, value] of headersFor(request)) {
        if (name.toLowerCase() !== "vary") merged.headers.set(name, value);
        else if (!(merged.headers.get("Vary") ?? "").split(",").some((item) => item.trim().toLowerCase() === "origin")) {
          merged.headers.append(name, value);
        }
      }
      return merged;
    }
  };
}
