/**
 * The console's sign-in cookie: a random token whose SHA-256 the console
 * object keeps with an expiry (console-sessions.ts). HttpOnly,
 * SameSite=Strict, and Secure with the `__Host-` prefix everywhere but plain
 * http on loopback (`npm run dev`), where a browser would drop a Secure cookie.
 * @module
 */
import { isLoopbackHostname } from "../http/loopback";
import { randomHex } from "../ids/random";

export const CONSOLE_SESSION_SECONDS = 12 * 60 * 60;
const SECURE_NAME = "__Host-console";
const LOOPBACK_NAME = "console";

function isSecure(request: Request): boolean {
  const url = new URL(request.url);
  return !(url.protocol === "http:" && isLoopbackHostname(url.hostname));
}

function cookieName(request: Request): string {
  return isSecure(request) ? SECURE_NAME : LOOPBACK_NAME;
}

export function newToken(): string {
  return randomHex(32);
}

/** What the console object stores for a token: its SHA-256, hex. */
export async function tokenHash(token: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** The token the request's cookie carries, if any. */
export function tokenOf(request: Request): string | undefined {
  const name = cookieName(request);
  for (const pair of (request.headers.get("Cookie") ?? "").split(";")) {
    const [key, ...value] = pair.trim().split("=");
    if (key === name) return /^[0-9a-f]{64}$/.test(value.join("=")) ? value.join("=") : undefined;
  }
  return undefined;
}

function cookie(request: Request, value: string, maxAgeSeconds: number): string {
  const secure = isSecure(request) ? "; Secure" : "";
  return `${cookieName(request)}=${value}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Strict${secure}`;
}

export function setCookie(request: Request, token: string): string {
  return cookie(request, token, CONSOLE_SESSION_SECONDS);
}

export function clearCookie(request: Request): string {
  return cookie(request, "", 0);
}
