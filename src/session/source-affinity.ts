/**
 * Session-less analyses of one video run in one Durable Object.
 *
 * Why: a session-less call (`/rpc` without a session, a 2026-era
 * `tools/call`) has no session to keep its upload in. Sent to a fresh object
 * each time, asking twice about the same URL uploaded it twice. Sent to the
 * object this module names after the video's URL, the second call finds the
 * file the first one kept (`jobs/video-files.ts` checks the source is
 * unchanged: same ETag, or size). YouTube links are not uploaded (Gemini
 * reads them itself), so their calls keep a fresh object each. The name is
 * an HMAC of the URL under the shared secret: knowing a URL is not enough
 * to name, and so attach to, its object.
 * @module
 */
import { matchYouTube } from "../gemini/youtube";

const LABEL = "gemini-video-mcp/video-source\n";

/**
 * The `videoUrl` argument of a single `tools/call` request, canonicalised,
 * when it names a video to upload; undefined for anything else.
 */
export function videoUrlOfCall(message: unknown): string | undefined {
  if (typeof message !== "object" || message === null || Array.isArray(message)) return undefined;
  const { method, params } = message as { method?: unknown; params?: { arguments?: { videoUrl?: unknown } } };
  const videoUrl = method === "tools/call" ? params?.arguments?.videoUrl : undefined;
  if (typeof videoUrl !== "string" || !URL.canParse(videoUrl)) return undefined;
  const url = new URL(videoUrl);
  return matchYouTube(url).kind === "not-youtube" ? url.href : undefined;
}

/** The session id of the object that runs session-less analyses of `videoUrl`. */
export async function sourceSessionId(secret: string, videoUrl: string): Promise<string> {
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(LABEL + videoUrl)));
  // 128 bits as 32 hex characters: the shape of every other session id.
  return Array.from(mac.subarray(0, 16), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * Where a session-less request goes: the video's object for a call naming a
 * `videoUrl`, or `fallback` (a fresh session id) for anything else.
 */
export async function sessionForCall(secret: string | undefined, message: unknown, fallback: () => string): Promise<string> {
  const videoUrl = videoUrlOfCall(message);
  return secret && videoUrl ? sourceSessionId(secret, videoUrl) : fallback();
}
