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
import type { SessionIds } from "../ids/signed-session-id";
import type { CallTarget } from "./call-probe";

const LABEL = "video-source\n";

/** One spelling of a URL however it was written (scheme and host case, default port, escapes). */
export function canonicalUrl(url: string): string {
  return URL.canParse(url) ? new URL(url).href : url;
}

/** The session id of the object that runs session-less analyses of `videoUrl` and keeps its uploads' register. */
export function sourceSessionId(ids: SessionIds, videoUrl: string): Promise<string> {
  return ids.named(LABEL + canonicalUrl(videoUrl));
}

/**
 * The session a session-less call runs in: the object that owns the job it
 * names, the video's object for a video to upload, or a fresh session.
 */
export function sessionForTarget(ids: SessionIds, target: CallTarget, fresh: () => Promise<string> | string): Promise<string> {
  if (target.kind === "owner") return Promise.resolve(target.sessionId);
  return Promise.resolve(target.kind === "video" ? sourceSessionId(ids, target.source.url) : fresh());
}
