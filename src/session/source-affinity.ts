/**
 * Session-less analyses of one video run in one Durable Object.
 *
 * Why: a session-less call (`/rpc` without a session, a 2026-era
 * `tools/call`) has no session to keep its upload in. Sent to a fresh object
 * each time, asking twice about the same URL uploaded it twice. Sent to the
 * object this module names after the video's URL, the second call finds the
 * file the first one kept (`jobs/video-files.ts` checks the source is
 * unchanged). The same object keeps the register of the video's uploads
 * (`jobs/upload-registry.ts`), through which sessions share them too.
 * YouTube links are not uploaded (Gemini reads them itself), so their calls
 * keep a fresh object each. The object's session id is signed like any
 * other (`SessionIds.named`): knowing a URL is not enough to name, and so
 * attach to, its object.
 * @module
 */
import { matchYouTube } from "../gemini/youtube";
import type { SessionIds } from "../ids/signed-session-id";

const LABEL = "video-source\n";

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

/** One spelling of a URL however it was written (scheme and host case, default port, escapes). */
export function canonicalUrl(url: string): string {
  return URL.canParse(url) ? new URL(url).href : url;
}

/** The session id of the object that runs session-less analyses of `videoUrl` and keeps its uploads' register. */
export function sourceSessionId(ids: SessionIds, videoUrl: string): Promise<string> {
  return ids.named(LABEL + canonicalUrl(videoUrl));
}

/**
 * Where a session-less request goes: the video's object for a call naming a
 * `videoUrl` to upload, or `fallback` (a fresh session) for anything else.
 */
export function sessionForCall(ids: SessionIds, message: unknown, fallback: () => Promise<string> | string): Promise<string> {
  const videoUrl = videoUrlOfCall(message);
  return Promise.resolve(videoUrl ? sourceSessionId(ids, videoUrl) : fallback());
}
