/**
 * Recognises YouTube video links in their many spellings.
 * @module
 */

const VIDEO_ID = /^[A-Za-z0-9_-]{11}$/;
const YOUTUBE_HOSTS = new Set([
  "youtube.com",
  "www.youtube.com",
  "m.youtube.com",
  "music.youtube.com",
  "youtube-nocookie.com",
  "www.youtube-nocookie.com"
]);
const PATH_PREFIXES = ["shorts", "embed", "live", "v"];

export type YouTubeMatch =
  | { kind: "video"; url: string; videoId: string }
  | { kind: "not-a-video"; reason: string }
  | { kind: "not-youtube" };

/** Classifies `url`; videos come back as the canonical `watch?v=` link Gemini reads. */
export function matchYouTube(url: URL): YouTubeMatch {
  const host = url.hostname.toLowerCase();
  let candidate: string | null = null;
  if (host === "youtu.be") {
    candidate = url.pathname.split("/")[1] ?? null;
  } else if (YOUTUBE_HOSTS.has(host)) {
    const [first, second] = url.pathname.split("/").slice(1);
    if (first === "watch") candidate = url.searchParams.get("v");
    else if (first && PATH_PREFIXES.includes(first)) candidate = second ?? null;
  } else {
    return { kind: "not-youtube" };
  }
  if (candidate && VIDEO_ID.test(candidate)) {
    return { kind: "video", url: `https://www.youtube.com/watch?v=${candidate}`, videoId: candidate };
  }
  return {
    kind: "not-a-video",
    reason:
      "This YouTube link does not point at a single video. Gemini reads public videos only (watch, youtu.be, shorts, embed or live links), not playlists, channels or searches."
  };
}
