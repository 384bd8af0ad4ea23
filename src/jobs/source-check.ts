/**
 * Whether a video URL can be analysed at all, before any job is made for it:
 * what `JobManager.start` refuses, and what the front Worker refuses the
 * same way for a session-less call without asking any Durable Object.
 * @module
 */
import { matchYouTube } from "../gemini/youtube";
import { checkVideoUrl, VideoUrlError } from "../video/url-guard";

/** What kind of source a checked URL is: Gemini reads a YouTube link itself, any other video is uploaded. */
export type CheckedSource = { kind: "youtube" } | { kind: "upload"; url: URL };

/**
 * Throws `VideoUrlError` for a URL no analysis could use (not http(s), a
 * private address unless `allowPrivate`, a YouTube link to no video).
 */
export function checkVideoSource(videoUrl: string, allowPrivate: boolean): CheckedSource {
  const youTube = matchYouTube(checkVideoUrl(videoUrl, true));
  if (youTube.kind === "not-a-video") throw new VideoUrlError(youTube.reason);
  if (youTube.kind !== "not-youtube") return { kind: "youtube" };
  return { kind: "upload", url: checkVideoUrl(videoUrl, allowPrivate) };
}
