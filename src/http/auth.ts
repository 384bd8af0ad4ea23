/**
 * Bearer authentication against the 64-character `SHARED_SECRET`.
 * @module
 */
import { SHARED_SECRET_LENGTH } from "../config";
import { HttpError } from "./errors";

const UNAUTHORIZED_HEADERS = { "WWW-Authenticate": 'Bearer realm="gemini-video-mcp"' };

let misconfigurationLogged = false;

function unauthorized(message: string): HttpError {
  return new HttpError(401, "unauthorized", message, UNAUTHORIZED_HEADERS);
}

/** Compares two strings in time that depends only on their lengths. */
export function timingSafeEqualStrings(a: string, b: string): boolean {
  const encoder = new TextEncoder();
  const left = encoder.encode(a);
  const right = encoder.encode(b);
  if (left.byteLength !== right.byteLength) {
    // Still spend the comparison so a wrong length is not measurably faster.
    crypto.subtle.timingSafeEqual(left, left);
    return false;
  }
  return crypto.subtle.timingSafeEqual(left, right);
}

/**
 * The server's secret when it is exactly 64 characters; undefined otherwise,
 * and then every authenticated request is refused. A misconfigured secret is
 * logged once, by length only.
 */
export function configuredSecret(secret: string | undefined): string | undefined {
  if (secret !== undefined && secret.length === SHARED_SECRET_LENGTH) return secret;
  if (!misconfigurationLogged) {
    misconfigurationLogged = true;
    console.error(
      secret === undefined
        ? "SHARED_SECRET is not set: every authenticated request is refused. Run `npm run dev` to create .dev.vars, or `wrangler secret put SHARED_SECRET`."
        : `SHARED_SECRET is ${secret.length} characters, not ${SHARED_SECRET_LENGTH}: every authenticated request is refused. Generate one with \`openssl rand -hex 32\`.`
    );
  }
  return undefined;
}

/**
 * Throws a 401 `HttpError` unless the request carries `Authorization: Bearer
 * <secret>` and the server's secret is exactly 64 characters. Used where
 * OAuth is not offered (a plain-http origin that is not loopback); elsewhere
 * the OAuth resource server (src/oauth/resource.ts) takes the secret too.
 */
export function requireBearer(request: Request, secret: string | undefined): void {
  const expected = configuredSecret(secret);
  if (expected === undefined) {
    throw unauthorized("The server is not configured for authentication.");
  }
  const header = request.headers.get("Authorization");
  if (header === null) {
    throw unauthorized("Missing Authorization header; send `Authorization: Bearer <SHARED_SECRET>`.");
  }
  const match = /^Bearer[ \t]+(\S+)$/i.exec(header.trim());
  if (!match?.[1]) {
    throw unauthorized("The Authorization header must use the Bearer scheme: `Bearer <SHARED_SECRET>`.");
  }
  if (!timingSafeEqualStrings(match[1], expected)) {
    throw unauthorized("Invalid bearer token.");
  }
}
