/**
 * The console's sign-in cookie: a token the Worker can check on its own
 * (`random || HMAC(key, random)`, the key derived from SHARED_SECRET with
 * HKDF), so only tokens this server issued reach the console object, which
 * keeps each one's SHA-256 with an expiry (console-sessions.ts). HttpOnly,
 * SameSite=Strict, and Secure with the `__Host-` prefix everywhere but plain
 * http on loopback (`npm run dev`), where a browser would drop a Secure cookie.
 * @module
 */
import { isLoopbackHostname } from "../http/loopback";
import { derivedKey, hex, type KeyPurpose } from "../ids/derived-key";

const RANDOM_BYTES = 32;
const TOKEN = new RegExp(`^[0-9a-f]{${4 * RANDOM_BYTES}}$`);

export const CONSOLE_SESSION_SECONDS = 12 * 60 * 60;
const SECURE_NAME = "__Host-console";
const LOOPBACK_NAME = "console";

function isSecure(request: Request): boolean {
  const url = new URL(request.url);
  return !(url.protocol === "http:" && isLoopbackHostname(url.hostname));
}

/** Plain http to a host that is not loopback: the secret would cross the network in clear, and the browser drop the Secure cookie. */
export function isCleartextOffLoopback(request: Request): boolean {
  const url = new URL(request.url);
  return url.protocol === "http:" && !isLoopbackHostname(url.hostname);
}

function cookieName(request: Request): string {
  return isSecure(request) ? SECURE_NAME : LOOPBACK_NAME;
}

const MAC_KEY: KeyPurpose = {
  salt: "",
  info: "gemini-video-mcp console cookie v1",
  algorithm: { name: "HMAC", hash: "SHA-256", length: 256 },
  usages: ["sign", "verify"]
};

const macKey = (secret: string) => derivedKey(secret, MAC_KEY);

/** A new token for a sign-in under `secret`: 32 random bytes and their HMAC, hex. */
export async function newToken(secret: string): Promise<string> {
  const random = crypto.getRandomValues(new Uint8Array(RANDOM_BYTES));
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", await macKey(secret), random));
  return hex(random) + hex(mac);
}

/** True when `token` is one `newToken(secret)` made (compared in constant time by WebCrypto). */
export async function isIssuedToken(secret: string, token: string): Promise<boolean> {
  const bytes = Uint8Array.from(token.match(/../g) ?? [], (pair) => Number.parseInt(pair, 16));
  return crypto.subtle.verify("HMAC", await macKey(secret), bytes.subarray(RANDOM_BYTES), bytes.subarray(0, RANDOM_BYTES));
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
    if (key === name) return TOKEN.test(value.join("=")) ? value.join("=") : undefined;
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
