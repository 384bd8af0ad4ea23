/**
 * `GET /media?token=`: a viewer's video from the server's own origin. The
 * requests carry no Authorization header (a `<video>` sends none): the
 * token is the only credential. The fake video host serves the bytes, and
 * records every request, so a refusal that still fetched would show.
 */
import { describe, expect, it } from "vitest";
import { DEFAULT_MAX_RESULT_CHARS } from "../../src/config";
import { MEDIA_TOKEN_TTL_MS, mediaTokens } from "../../src/ids/media-token";
import { mediaLinks } from "../../src/video/media-link";
import { videoBytes } from "../support/fake-video";
import { TEST_SHARED_SECRET } from "../constants";
import { useFakes } from "./support/fetch-spy";
import { authed, BASE_URL, call, openIdleSession, postJson } from "./support/http";
import { callTool, type ToolResult } from "./support/session-calls";

const fakes = useFakes();
const SIZE = 300_000;
const VIDEO = { size: SIZE };

async function linkTo(videoUrl: string): Promise<string> {
  return mediaLinks(TEST_SHARED_SECRET, BASE_URL).linkFor(videoUrl);
}

async function bytesOf(response: Response): Promise<Uint8Array> {
  return new Uint8Array(await response.arrayBuffer());
}

describe("the media route", () => {
  it("serves the whole video with no Range, private and playable from an opaque-origin frame", async () => {
    const link = await linkTo(fakes.videos.add("/film.mp4", VIDEO));
    expect(link.startsWith(`${BASE_URL}/media?token=`)).toBe(true);
    const response = await call(link);
    expect(response.status).toBe(200);
    expect(Object.fromEntries(response.headers)).toMatchObject({
      "content-type": "video/mp4",
      "content-length": String(SIZE),
      "accept-ranges": "bytes",
      "cache-control": "private",
      "referrer-policy": "no-referrer",
      "cross-origin-resource-policy": "cross-origin",
      "x-content-type-options": "nosniff"
    });
    expect(await bytesOf(response)).toEqual(videoBytes(VIDEO, 0, SIZE));
    expect(fakes.videos.ranges).toEqual([null]);
  });

  it("passes a range to a host that honours ranges and answers 206 with its Content-Range", async () => {
    const link = await linkTo(fakes.videos.add("/film.mp4", VIDEO));
    const response = await call(link, { headers: { Range: "bytes=100000-100099" } });
    expect(response.status).toBe(206);
    expect(response.headers.get("Content-Range")).toBe(`bytes 100000-100099/${SIZE}`);
    expect(response.headers.get("Content-Length")).toBe("100");
    expect(await bytesOf(response)).toEqual(videoBytes(VIDEO, 100_000, 100_100));
    expect(fakes.videos.ranges).toEqual(["bytes=100000-100099"]);
  });

  it.each([
    ["an open range", "bytes=70000-", 70_000, SIZE - 1],
    ["a bounded range across blocks", "bytes=65000-140000", 65_000, 140_000],
    ["the last bytes", "bytes=-500", SIZE - 500, SIZE - 1],
    ["a range past the end, cut to it", `bytes=299990-${SIZE + 50}`, 299_990, SIZE - 1]
  ])("cuts %s from a host that ignores ranges", async (_name, header, first, last) => {
    const ignoring = { size: SIZE, supportsRanges: false };
    const link = await linkTo(fakes.videos.add("/plain.mp4", ignoring));
    const response = await call(link, { headers: { Range: header } });
    expect(response.status).toBe(206);
    expect(response.headers.get("Content-Range")).toBe(`bytes ${first}-${last}/${SIZE}`);
    expect(response.headers.get("Content-Length")).toBe(String(last - first + 1));
    expect(await bytesOf(response)).toEqual(videoBytes(ignoring, first, last + 1));
  });

  it("serves a sandboxed frame's <video>, which sends Origin: null, though the origin policy allows no such page", async () => {
    const link = await linkTo(fakes.videos.add("/film.mp4", VIDEO));
    const response = await call(link, { headers: { Origin: "null", "Sec-Fetch-Mode": "no-cors", Range: "bytes=0-" } });
    expect(response.status).toBe(206);
    // Opaque to the page: no CORS grant, so a script there cannot read the bytes.
    expect(response.headers.get("Access-Control-Allow-Origin")).toBeNull();
    expect(await bytesOf(response)).toEqual(videoBytes(VIDEO, 0, SIZE));
  });

  it("answers HEAD with the length and no body", async () => {
    const link = await linkTo(fakes.videos.add("/film.mp4", VIDEO));
    const response = await call(link, { method: "HEAD" });
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Length")).toBe(String(SIZE));
    expect(response.headers.get("Accept-Ranges")).toBe("bytes");
    expect(await response.text()).toBe("");
    const ranged = await call(link, { method: "HEAD", headers: { Range: "bytes=10-19" } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get("Content-Range")).toBe(`bytes 10-19/${SIZE}`);
  });

  it.each([
    ["a host that honours ranges", true],
    ["a host that ignores them", false]
  ])("answers 416 with the length for a range past the end, from %s", async (_name, supportsRanges) => {
    const link = await linkTo(fakes.videos.add("/film.mp4", { size: SIZE, supportsRanges }));
    const response = await call(link, { headers: { Range: `bytes=${SIZE}-` } });
    expect(response.status).toBe(416);
    expect(response.headers.get("Content-Range")).toBe(`bytes */${SIZE}`);
  });

  it("never serves the source's type when it is no video: an HTML page is sent as bytes, not a page", async () => {
    const link = await linkTo(fakes.videos.add("/page", { size: 1000, contentType: "text/html" }));
    const response = await call(link);
    expect(response.headers.get("Content-Type")).toBe("application/octet-stream");
    expect(response.headers.get("Content-Security-Policy")).toContain("sandbox");
  });

  it("streams as the source sends, under the source's idle limit, never holding the whole file", async () => {
    const stalling = { size: 1024 * 1024, stallAfterBytes: 128 * 1024 };
    const response = await call(await linkTo(fakes.videos.add("/stalls.mp4", stalling)));
    expect(response.status).toBe(200);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let received = 0;
    while (received < 128 * 1024) {
      const { done, value } = await reader.read();
      expect(done).toBe(false);
      received += value?.byteLength ?? 0;
    }
    expect(received).toBe(128 * 1024);
    await expect(reader.read()).rejects.toThrow();
  });
});

describe("media links in the viewer's results", () => {
  it("an analysis of a file URL carries a mediaUrl on the server's origin that plays its bytes without a header", async () => {
    const videoUrl = fakes.videos.add("/talk.mp4", VIDEO);
    const sessionId = await openIdleSession();
    const analysed = await callTool(sessionId, "analyzeRemoteVideo", { videoUrl });
    const mediaUrl = analysed.structuredContent?.mediaUrl as string;
    expect(mediaUrl.startsWith(`${BASE_URL}/media?token=`)).toBe(true);
    // Sealed: the link does not show the source's address.
    expect(mediaUrl).not.toContain("talk.mp4");
    fakes.gemini.enqueue({ kind: "answer", chunks: ['{"language":"en","segments":[]}'] });
    const transcribed = await callTool(sessionId, "transcribeVideo", { videoUrl });
    const transcriptMedia = transcribed.structuredContent?.mediaUrl as string;
    expect(transcriptMedia.startsWith(`${BASE_URL}/media?token=`)).toBe(true);
    const played = await call(transcriptMedia, { headers: { Range: "bytes=0-99" } });
    expect(played.status).toBe(206);
    expect(await bytesOf(played)).toEqual(videoBytes(VIDEO, 0, 100));
  });

  it("the link counts against MAX_RESULT_CHARS: a long transcript of a long file URL still fits, link and all", async () => {
    const videoUrl = fakes.videos.add(`/${"a-long-file-name-".repeat(90)}.mp4`, VIDEO);
    const segments = Array.from({ length: 400 }, (_, index) => ({
      start: `${String(Math.floor(index / 6)).padStart(2, "0")}:${String((index % 6) * 10).padStart(2, "0")}`,
      speaker: index % 2 ? "Grace" : "Ada",
      text: `Line ${index + 1} of a long talk about bird feeders and the seeds they hold.`
    }));
    fakes.gemini.enqueue({ kind: "answer", chunks: [JSON.stringify({ language: "en", segments })] });
    const result = await callTool(await openIdleSession(), "transcribeVideo", { videoUrl });
    expect(result.structuredContent?.shortened).toBeDefined();
    expect(String(result.structuredContent?.mediaUrl).length).toBeGreaterThan(2000);
    const characters =
      result.content.reduce((sum, block) => sum + (block.type === "text" ? block.text.length : JSON.stringify(block).length), 0) +
      JSON.stringify(result.structuredContent).length;
    expect(characters).toBeLessThanOrEqual(DEFAULT_MAX_RESULT_CHARS);
  });

  it("a session-less getVideoAnalysis of a file URL's job reaches the job's own object and carries the link too", async () => {
    // A video of its own: an upload another test made is remembered, though the fake Gemini forgot it.
    const videoUrl = fakes.videos.add("/asked.mp4", VIDEO);
    const analysed = await callTool(await openIdleSession(), "analyzeRemoteVideo", { videoUrl });
    const jobId = analysed.structuredContent?.jobId as string;
    const response = await postJson("/rpc", {
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "getVideoAnalysis", arguments: { jobId } }
    });
    const { result } = (await response.json()) as { result: ToolResult };
    expect(result.isError, result.content[0]?.text).toBeUndefined();
    expect(result.structuredContent).toMatchObject({ jobId, status: "done" });
    expect(String(result.structuredContent?.mediaUrl).startsWith(`${BASE_URL}/media?token=`)).toBe(true);
  });

  it("a YouTube analysis carries none (nothing of it is fetched by the server)", async () => {
    const result = await callTool(await openIdleSession(), "analyzeRemoteVideo", {
      videoUrl: "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    });
    expect(result.isError).toBeUndefined();
    expect(result.structuredContent).not.toHaveProperty("mediaUrl");
  });
});

describe("media links and uploads", () => {
  it("an analysis of an upload (upload:<id>) carries none: the server keeps no copy of an upload's bytes", async () => {
    const created = await authed("/uploads", { method: "POST", headers: { "Tus-Resumable": "1.0.0", "Upload-Length": "1000" } });
    expect(created.status).toBe(201);
    const videoUrl = `upload:${new URL(created.headers.get("Location") ?? "").pathname.split("/").pop()}`;
    const started = await callTool(await openIdleSession(), "startVideoAnalysis", { videoUrl, prompt: "What happens?" });
    expect(started.isError).toBeUndefined();
    expect(started.structuredContent).toMatchObject({ videoUrl });
    expect(started.structuredContent).not.toHaveProperty("mediaUrl");
  });
});

describe("the media route's refusals", () => {
  it("refuses a request with no token, a forged one and an altered one (403) without fetching", async () => {
    const link = await linkTo(fakes.videos.add("/film.mp4", VIDEO));
    const token = new URL(link).searchParams.get("token") ?? "";
    const altered = `${token.slice(0, 20)}${token[20] === "A" ? "B" : "A"}${token.slice(21)}`;
    const otherServer = await mediaLinks("x".repeat(64), BASE_URL).linkFor(`${fakes.videos.origin}/film.mp4`);
    for (const refused of ["/media", `/media?token=${altered}`, "/media?token=not-a-token", otherServer]) {
      const response = await call(refused);
      expect(response.status, refused).toBe(403);
      expect(((await response.json()) as { error: { code: string } }).error.code).toMatch(/^media_token_/);
    }
    expect(fakes.requested).toEqual([]);
  });

  it("refuses an expired token with 410", async () => {
    const past = Date.now() - MEDIA_TOKEN_TTL_MS - 1000;
    const token = await mediaTokens(TEST_SHARED_SECRET).issue(fakes.videos.add("/film.mp4", VIDEO), past);
    const response = await call(`/media?token=${token}`);
    expect(response.status).toBe(410);
    expect(await response.json()).toEqual({
      error: {
        code: "media_token_expired",
        message: "This media link has expired. Open the analysis again (getVideoAnalysis) for a new one."
      }
    });
    expect(fakes.requested).toEqual([]);
  });

  it("refuses a private address, as analyses do, before fetching it", async () => {
    const response = await call(await linkTo("http://10.0.0.1/video.mp4"));
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({
      error: {
        code: "source_refused",
        message:
          "Refusing to fetch 10.0.0.1: loopback, private and metadata addresses are not allowed (set ALLOW_PRIVATE_VIDEO_URLS=true for local testing)."
      }
    });
    expect(fakes.requested).toEqual([]);
  });

  it("refuses a redirect to a private address on the way", async () => {
    const link = await linkTo(fakes.videos.redirect("/moved.mp4", { location: "http://169.254.169.254/latest/" }));
    const response = await call(link);
    expect(response.status).toBe(403);
    expect(fakes.requested).toEqual([`${fakes.videos.origin}/moved.mp4`]);
  });

  it("says when the source fails (502), and takes no method but GET and HEAD", async () => {
    const missing = await call(await linkTo(`${fakes.videos.origin}/missing.mp4`));
    expect(missing.status).toBe(502);
    expect(((await missing.json()) as { error: { message: string } }).error.message).toContain("HTTP 404");
    const posted = await call(await linkTo(`${fakes.videos.origin}/film.mp4`), { method: "POST" });
    expect(posted.status).toBe(405);
    expect(posted.headers.get("Allow")).toBe("GET, HEAD, OPTIONS");
  });
});
