/**
 * A request's video as one value, parsed once where a request comes in (the
 * tools' `toAnalysisInput`) and passed along from there: the jobs, their
 * stages and the video's object read its kind and canonical URL, and never
 * parse the URL again. Only the URL guard does, on every fetch and every
 * redirect hop (`video/source.ts`).
 *
 * `checkVideoSource` is what `JobManager.start` refuses, and what the front
 * Worker refuses the same way for a session-less call without asking any
 * Durable Object.
 * @module
 */
import { matchYouTube } from "../gemini/youtube";
import { UPLOAD_SCHEME, uploadIdOf } from "../ids/upload-id";
import { checkVideoUrl, VideoUrlError } from "../video/url-guard";

/**
 * Where a video comes from: a YouTube video, which Gemini reads itself
 * (`url` is its canonical `watch?v=` link), or any other URL, whose video is
 * uploaded (`url` is its canonical spelling, `URL.href`).
 */
export type VideoSource =
  | { kind: "youtube"; url: string; videoId: string }
  | { kind: "url"; url: string }
  /** A file the user uploaded through `/uploads` (`url` is `upload:<uploadId>`): its object owns the Gemini file. */
  | { kind: "upload"; url: string; uploadId: string };

/**
 * The source `videoUrl` names. Throws `VideoUrlError` for a URL no analysis
 * could use whatever the server's settings (not http(s), credentials, a
 * YouTube link to no video).
 */
export function parseVideoSource(videoUrl: string): VideoSource {
  const uploadId = uploadIdOf(videoUrl);
  if (uploadId === null) {
    throw new VideoUrlError(
      `${UPLOAD_SCHEME}<uploadId> must name an upload: its id is 32 hex characters, as createVideoUpload returns it.`
    );
  }
  if (uploadId !== undefined) return { kind: "upload", url: `${UPLOAD_SCHEME}${uploadId}`, uploadId };
  const url = checkVideoUrl(videoUrl, true);
  const youTube = matchYouTube(url);
  if (youTube.kind === "not-a-video") throw new VideoUrlError(youTube.reason);
  if (youTube.kind === "video") return { kind: "youtube", url: youTube.url, videoId: youTube.videoId };
  return { kind: "url", url: url.href };
}

/** Throws `VideoUrlError` for a source this server may not fetch (a private address unless `allowPrivate`). */
export function checkVideoSource(source: VideoSource, allowPrivate: boolean): VideoSource {
  if (source.kind === "url") checkVideoUrl(source.url, allowPrivate);
  return source;
}
