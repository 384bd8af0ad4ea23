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
  return { kind: "not-a-video", reason: `${whatItIs(url, candidate)} ${READABLE_FORMS}` };
}

const READABLE_FORMS = "Gemini reads single public videos: give a watch, youtu.be, shorts, embed or live link of one video.";

/** Names what a YouTube link that is not one video points at. */
function whatItIs(url: URL, candidate: string | null): string {
  const first = url.pathname.split("/")[1] ?? "";
  if (first === "playlist" || (url.searchParams.has("list") && !candidate)) return "This YouTube link is a playlist.";
  if (first.startsWith("@") || ["channel", "c", "user"].includes(first)) return "This YouTube link is a channel.";
  if (first === "results") return "This YouTube link is a search.";
  if (first === "clip") return "YouTube clips cannot be read; use the full video's link with startOffset/endOffset.";
  if (candidate !== null) return `"${candidate}" is not a YouTube video id (11 letters, digits, - or _).`;
  return "This YouTube link does not point at a video.";
}
