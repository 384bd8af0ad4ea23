/**
 * Links to a video's bytes on this server's own origin (`GET /media?token=`),
 * for the in-chat viewer's `<video>`: a host that lets the viewer load media
 * only from origins it declares can play a file URL through the server.
 * @module
 */
import { mediaTokens } from "../ids/media-token";

/** The media route's path (`http/routes.ts`). */
export const MEDIA_PATH = "/media";

/** Mints media links for one origin: what the tools and the viewer's CSP are told. */
export interface MediaLinks {
  /** The server's origin as the client called it (`https://mcp.example.com`). */
  readonly origin: string;
  /** A link that plays `videoUrl` (an http(s) file URL) until its token expires. */
  linkFor(videoUrl: string): Promise<string>;
}

export function mediaLinks(secret: string | undefined, origin: string): MediaLinks {
  const tokens = mediaTokens(secret);
  return {
    origin,
    async linkFor(videoUrl) {
      const url = new URL(MEDIA_PATH, origin);
      url.searchParams.set("token", await tokens.issue(videoUrl));
      return url.href;
    }
  };
}
