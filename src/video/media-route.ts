/**
 * `GET /media?token=`: a video's bytes for whoever holds a media token, with
 * no other credential (a `<video>` sends none). The token names the video
 * and when it stops working (`ids/media-token.ts`); the proxy does the rest.
 * @module
 */
import { HttpError } from "../http/errors";
import { mediaTokens } from "../ids/media-token";
import { MEDIA_HEADERS, proxyMedia, type MediaProxyOptions } from "./media-proxy";

/** Refusals carry the media headers too: private, and inert as a document. */
function refusal(status: number, code: string, message: string): HttpError {
  return new HttpError(status, code, message, MEDIA_HEADERS);
}

export async function serveMedia(request: Request, secret: string | undefined, options: MediaProxyOptions): Promise<Response> {
  const token = new URL(request.url).searchParams.get("token");
  if (!token) throw refusal(403, "media_token_missing", "A media link needs its token (?token=), as the viewer was given it.");
  const opened = await mediaTokens(secret).open(token);
  if ("refused" in opened) {
    throw opened.refused === "expired"
      ? refusal(
          410,
          "media_token_expired",
          "This media link has expired. Open the analysis again (getVideoAnalysis) for a new one."
        )
      : refusal(403, "media_token_invalid", "This media link is not one this server made.");
  }
  return proxyMedia(request, opened.videoUrl, options);
}
