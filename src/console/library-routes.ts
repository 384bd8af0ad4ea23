/**
 * The console's API over the library (`LibraryDO`), under
 * `/console/api/library`: the analyses grouped by video, a search, one
 * analysis with its passages, and deletion of one analysis or of everything
 * about a video. `routes.ts` has checked the sign-in and the request's origin.
 * @module
 */
import type { Env } from "../env";
import { HttpError } from "../http/errors";
import { foundPassage } from "../library/found-passage";
import { libraryObject } from "../library/library-reporter";
import type { LibraryEntry } from "../library/library-store";

const LIBRARY = "/console/api/library";
const JOB_ID = "([0-9a-f]{32}\\.[0-9a-f]{16})";
const RECORD_PATH = new RegExp(`^${LIBRARY}/${JOB_ID}$`);
const DELETE_PATH = new RegExp(`^${LIBRARY}/${JOB_ID}/delete$`);
/** The most hits a console search shows. */
export const CONSOLE_SEARCH_LIMIT = 50;

/** A video and its analyses, newest first. */
export interface LibraryVideo {
  videoKey: string;
  videoUrl: string;
  youTubeId: string | null;
  uploadName: string | null;
  title: string | null;
  analyses: LibraryEntry[];
}

/** Entries (newest first) grouped by video, the video with the newest analysis first. */
export function groupByVideo(entries: readonly LibraryEntry[]): LibraryVideo[] {
  const videos = new Map<string, LibraryVideo>();
  for (const entry of entries) {
    let video = videos.get(entry.videoKey);
    if (!video) {
      video = {
        videoKey: entry.videoKey,
        videoUrl: entry.videoUrl,
        youTubeId: entry.youTubeId,
        uploadName: entry.uploadName,
        title: null,
        analyses: []
      };
      videos.set(entry.videoKey, video);
    }
    video.title ??= entry.title;
    video.analyses.push(entry);
  }
  return [...videos.values()];
}

function json(body: unknown, init: ResponseInit = {}): Response {
  const response = Response.json(body, init);
  response.headers.set("Cache-Control", "no-store");
  return response;
}

async function search(request: Request, env: Env): Promise<Response> {
  const url = new URL(request.url);
  const query = url.searchParams.get("q") ?? "";
  const video = url.searchParams.get("video");
  const answer = await libraryObject(env).search(query, {
    limit: CONSOLE_SEARCH_LIMIT,
    ...(video ? { video } : {})
  });
  if ("refused" in answer) throw new HttpError(400, "bad_query", answer.refused);
  // The snippet keeps its match marks (U+E000, U+E001): the page marks them up itself.
  return json({ hits: answer.hits.map((hit) => ({ ...foundPassage(hit, url.origin), snippet: hit.snippet })) });
}

async function readVideoKey(request: Request): Promise<string> {
  const body: unknown = await request.json().catch(() => undefined);
  const videoKey = typeof body === "object" && body !== null && "videoKey" in body ? body.videoKey : undefined;
  if (typeof videoKey !== "string" || videoKey === "") {
    throw new HttpError(400, "invalid_json", 'Send { "videoKey": "<the video\'s URL as the library keys it>" }.');
  }
  return videoKey;
}

/** Answers a library route, or undefined for a path that is not one. */
export async function serveLibraryApi(request: Request, env: Env): Promise<Response | undefined> {
  const { pathname } = new URL(request.url);
  const get = request.method === "GET";
  const post = request.method === "POST";
  if (pathname === LIBRARY && get) return json(groupByVideo(await libraryObject(env).list()));
  if (pathname === `${LIBRARY}/search` && get) return search(request, env);
  if (pathname === `${LIBRARY}/videos/delete` && post) {
    return json({ deleted: await libraryObject(env).removeVideo(await readVideoKey(request)) });
  }
  const record = RECORD_PATH.exec(pathname);
  if (record && get) {
    // SAFETY: RECORD_PATH and DELETE_PATH capture the analysis id in every match.
    const found = await libraryObject(env).get(record[1]!);
    if (!found) throw new HttpError(404, "unknown_analysis", `No analysis ${record[1]} in the library.`);
    return json(found);
  }
  const removal = DELETE_PATH.exec(pathname);
  if (removal && post) {
    if (!(await libraryObject(env).remove(removal[1]!))) {
      throw new HttpError(404, "unknown_analysis", `No analysis ${removal[1]} in the library.`);
    }
    return json({ deleted: 1 });
  }
  return undefined;
}
