/**
 * Redirects from the video host, followed by hand: every hop is checked by the
 * SSRF guard before it is fetched, with the Worker's real policy
 * (ALLOW_PRIVATE_VIDEO_URLS=false). The fake host is reachable under that
 * policy because its name (`videos.test`) is not a private one; the fetch spy
 * serves it in-process and records every request, so a hop the guard let
 * through to a private address would show in `fakes.requested`.
 */
import { describe, expect, it } from "vitest";
import { MAX_REDIRECTS } from "../../src/video/source";
import { FAKE_GEMINI_BASE_URL, FAKE_VIDEO_ORIGIN } from "../constants";
import { useFakes } from "./support/fetch-spy";
import { openIdleSession } from "./support/http";
import { callTool, withAlarms } from "./support/session-calls";

const fakes = useFakes();
const MiB = 1024 * 1024;

/** Runs the session's retry timers at once, so a hop wrongly let through fails on its message, not by timing out. */
async function analyze(videoUrl: string) {
  const sessionId = await openIdleSession();
  return withAlarms(sessionId, callTool(sessionId, "analyzeRemoteVideo", { videoUrl }));
}

/** Requests that went anywhere but the fake video host and the fake Gemini. */
function requestsElsewhere(): string[] {
  return fakes.requested.filter((url) => !url.startsWith(FAKE_VIDEO_ORIGIN) && !url.startsWith(FAKE_GEMINI_BASE_URL));
}

describe("a redirect to a place only the server can reach", () => {
  it.each([
    ["a private address", "http://10.0.0.1/video.mp4", "10.0.0.1"],
    ["the link-local metadata address", "http://169.254.169.254/latest/meta-data/", "169.254.169.254"],
    ["an IPv4-mapped IPv6 private address", "http://[::ffff:10.0.0.1]/video.mp4", "[::ffff:a00:1]"],
    ["the same, spelt in hex", "http://[::ffff:a00:1]/video.mp4", "[::ffff:a00:1]"],
    ["a private address, as a protocol-relative Location", "//10.0.0.1/video.mp4", "10.0.0.1"],
    ["a loopback name", "http://localhost:8080/video.mp4", "localhost"]
  ])("is refused before it is fetched: %s", async (_name, location, host) => {
    const videoUrl = fakes.videos.redirect("/public.mp4", { location });
    const result = await analyze(videoUrl);
    expect(result.isError).toBe(true);
    expect(result.content[0]?.text).toBe(
      `Refusing to fetch ${host}: loopback, private and metadata addresses are not allowed (set ALLOW_PRIVATE_VIDEO_URLS=true for local testing).`
    );
    expect(requestsElsewhere()).toEqual([]);
    expect(fakes.videos.paths).toEqual(["/public.mp4"]);
    expect(fakes.gemini.uploads.size).toBe(0);
  });

  it("is refused on a later hop too, after public hops", async () => {
    fakes.videos.redirect("/second.mp4", { location: "http://169.254.169.254/latest/meta-data/", status: 307 });
    const videoUrl = fakes.videos.redirect("/first.mp4", { location: "/second.mp4", status: 301 });
    const result = await analyze(videoUrl);
    expect(result.isError).toBe(true);
    expect(result.content[0]?.text).toMatch(/^Refusing to fetch 169\.254\.169\.254: /);
    expect(requestsElsewhere()).toEqual([]);
    expect(fakes.videos.paths).toEqual(["/first.mp4", "/second.mp4"]);
    expect(fakes.gemini.uploads.size).toBe(0);
  });

  it("is refused when it leaves http(s)", async () => {
    const videoUrl = fakes.videos.redirect("/public.mp4", { location: "file:///etc/passwd" });
    const result = await analyze(videoUrl);
    expect(result.isError).toBe(true);
    expect(result.content[0]?.text).toBe("Video URLs must use http or https.");
    expect(requestsElsewhere()).toEqual([]);
    expect(fakes.gemini.uploads.size).toBe(0);
  });
});

describe("redirects on a public host", () => {
  it.each([
    ["an absolute path", "/files/video.mp4"],
    ["a path relative to the hop", "../files/video.mp4"],
    ["an absolute URL", `${FAKE_VIDEO_ORIGIN}/files/video.mp4`]
  ])("are followed when the Location is %s, resolved against the hop", async (name, location) => {
    fakes.videos.add("/files/video.mp4", { size: MiB });
    // A path of its own: uploads are shared by URL across sessions, and outlive the fake Gemini's reset.
    const link = `/short/${encodeURIComponent(name)}`;
    const videoUrl = fakes.videos.redirect(link, { location });
    const result = await analyze(videoUrl);
    expect(result.isError).toBeUndefined();
    expect(fakes.videos.paths).toEqual([link, "/files/video.mp4"]);
    expect(fakes.gemini.uploads.size).toBe(1);
  });

  it(`are followed up to MAX_REDIRECTS (${MAX_REDIRECTS}) hops`, async () => {
    fakes.videos.add("/video.mp4", { size: MiB });
    for (let hop = 1; hop <= MAX_REDIRECTS; hop++) {
      fakes.videos.redirect(`/hop${hop}`, { location: hop === MAX_REDIRECTS ? "/video.mp4" : `/hop${hop + 1}` });
    }
    const result = await analyze(`${FAKE_VIDEO_ORIGIN}/hop1`);
    expect(result.isError).toBeUndefined();
    expect(fakes.videos.paths).toHaveLength(MAX_REDIRECTS + 1);
    expect(fakes.gemini.uploads.size).toBe(1);
  });

  it("are refused past MAX_REDIRECTS, before the next hop is fetched", async () => {
    fakes.videos.add("/video.mp4", { size: MiB });
    for (let hop = 1; hop <= MAX_REDIRECTS + 1; hop++) {
      fakes.videos.redirect(`/far${hop}`, { location: hop === MAX_REDIRECTS + 1 ? "/video.mp4" : `/far${hop + 1}` });
    }
    const result = await analyze(`${FAKE_VIDEO_ORIGIN}/far1`);
    expect(result.isError).toBe(true);
    expect(result.content[0]?.text).toBe(`The video URL redirected more than ${MAX_REDIRECTS} times.`);
    expect(fakes.videos.paths).not.toContain("/video.mp4");
    expect(fakes.videos.paths).toHaveLength(MAX_REDIRECTS + 1);
    expect(fakes.gemini.uploads.size).toBe(0);
  });

  it("end a loop after MAX_REDIRECTS hops", async () => {
    fakes.videos.redirect("/a", { location: "/b" });
    fakes.videos.redirect("/b", { location: `${FAKE_VIDEO_ORIGIN}/a` });
    const result = await analyze(`${FAKE_VIDEO_ORIGIN}/a`);
    expect(result.isError).toBe(true);
    expect(result.content[0]?.text).toBe(`The video URL redirected more than ${MAX_REDIRECTS} times.`);
    expect(fakes.videos.paths).toEqual(["/a", "/b", "/a", "/b", "/a", "/b"]);
    expect(fakes.gemini.uploads.size).toBe(0);
  });
});
