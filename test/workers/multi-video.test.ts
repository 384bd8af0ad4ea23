/**
 * One question about several videos (`videos` beside `videoUrl` or `jobId`
 * in analyzeRemoteVideo and askAboutVideo): each uploaded once, side by side, with progress per
 * video; the request's parts labelled in order, videos first and the
 * question last; the set counted and priced together; every video's file
 * kept for later questions.
 */
import { exports } from "cloudflare:workers";
import { Client, type Progress, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { afterEach, describe, expect, it } from "vitest";
import { MAX_VIDEOS_PER_QUESTION } from "../../src/jobs/video-set";
import { videoBytes, type FakeVideo } from "../support/fake-video";
import { useFakes } from "./support/fetch-spy";
import { AUTH, authed, BASE_URL, openIdleSession, postJson } from "./support/http";
import { callTool, snapshotOf, withAlarms } from "./support/session-calls";

const fakes = useFakes();
const MiB = 1024 * 1024;

type Part = { text?: string; fileData?: { fileUri: string; mimeType: string } };
type Contents = { contents: { parts: Part[] }[] };

const open: Client[] = [];
afterEach(async () => {
  for (const client of open.splice(0)) await client.close();
});

/** The SDK v2 client: `auto` speaks the 2026-07-28 era, `legacy` the 2025 handshake with a session. */
async function connect(mode: "auto" | "legacy"): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL("/mcp", BASE_URL), {
    fetch: (input, init) => exports.default.fetch(new Request(input, init)),
    requestInit: { headers: AUTH }
  });
  const client = new Client({ name: "multi-video", version: "1.0.0" }, { versionNegotiation: { mode } });
  await client.connect(transport);
  open.push(client);
  return client;
}

/** The Gemini file uploaded from the source of `bytes` bytes. */
function fileUploadedOf(bytes: number): string {
  const upload = [...fakes.gemini.uploads.values()].find((each) => each.declaredBytes === bytes);
  // SAFETY: the tests look up only sources they uploaded.
  return upload!.file!.uri;
}

function labelledParts(first: [string, string], second: [string, string], question: string): Part[] {
  return [
    { text: `Video 1: ${first[0]}` },
    { fileData: { fileUri: first[1], mimeType: "video/mp4" } },
    { text: `Video 2: ${second[0]}` },
    { fileData: { fileUri: second[1], mimeType: "video/mp4" } },
    { text: question }
  ];
}

describe("one question about several videos", () => {
  it("compares two videos: one upload each, side by side, progress per video, labelled parts in order, the answer", {
    timeout: 30_000
  }, async () => {
    const first = fakes.videos.add("/talk-a.mp4", { size: 10 * MiB });
    const second = fakes.videos.add("/talk-b.mp4", { size: 12 * MiB });
    fakes.gemini.enqueueFiles({ pollsBeforeDone: 1, durationSeconds: 60 }, { pollsBeforeDone: 1, durationSeconds: 90 });
    fakes.gemini.enqueue({ kind: "answer", chunks: ["Video 2 at 00:30 ", "answers what video 1 asks."] });
    const client = await connect("auto");
    const progress: Progress[] = [];
    const result = await client.callTool(
      { name: "analyzeRemoteVideo", arguments: { videoUrl: first, videos: [{ videoUrl: second }], prompt: "Compare them." } },
      { onprogress: (update) => progress.push(update) }
    );
    expect(result.isError).toBeFalsy();
    expect(result.content).toEqual([{ type: "text", text: "Video 2 at 00:30 answers what video 1 asks." }]);
    expect(fakes.gemini.uploads.size).toBe(2);
    const messages = progress.map((update) => update.message ?? "");
    expect(messages).toContainEqual(expect.stringMatching(/video 1 of 2 uploading \d+ %/));
    expect(messages).toContainEqual(expect.stringMatching(/video 2 of 2 uploading \d+ %/));
    // Side by side: the second video's upload is under way before the first one is ready.
    const secondUploading = messages.findIndex((message) => /video 2 of 2 uploading/.test(message));
    const firstReady = messages.findIndex((message) => /video 1 of 2 ready/.test(message));
    expect(secondUploading).toBeGreaterThanOrEqual(0);
    expect(secondUploading).toBeLessThan(firstReady);
    const expected = labelledParts([first, fileUploadedOf(10 * MiB)], [second, fileUploadedOf(12 * MiB)], "Compare them.");
    const [generated] = fakes.gemini.generateRequests();
    expect((generated!.body as Contents).contents[0]?.parts).toEqual(expected);
    // The token count counted that same request.
    const [counted] = fakes.gemini.countTokensRequests();
    expect((counted!.body as { generateContentRequest: Contents }).generateContentRequest.contents[0]?.parts).toEqual(expected);
    expect(result.structuredContent).toMatchObject({
      status: "done",
      durationSeconds: 150,
      videos: [
        { videoUrl: first, durationSeconds: 60 },
        { videoUrl: second, durationSeconds: 90 }
      ]
    });
  });

  it("a later question about one of the videos reads its kept file: no new upload", async () => {
    const first = fakes.videos.add("/kept-a.mp4", { size: 2 * MiB });
    const second = fakes.videos.add("/kept-b.mp4", { size: 3 * MiB });
    const sessionId = await openIdleSession();
    const set = await withAlarms(
      sessionId,
      callTool(sessionId, "analyzeRemoteVideo", { videoUrl: first, videos: [{ videoUrl: second }] })
    );
    expect(snapshotOf(set).status).toBe("done");
    expect(fakes.gemini.uploads.size).toBe(2);
    fakes.gemini.enqueue({ kind: "answer", chunks: ["Only the second."] });
    const later = await withAlarms(
      sessionId,
      callTool(sessionId, "askAboutVideo", { videoUrl: second, question: "And this one?" })
    );
    expect(later.content[0]?.text).toBe("Only the second.");
    expect(later.structuredContent).toMatchObject({ status: "done", reusedUpload: true });
    expect(fakes.gemini.uploads.size).toBe(2);
    // Asked with a context cache of that file (askAboutVideo keeps a video for the questions after it).
    const [, asked] = fakes.gemini.generateRequests();
    const cache = fakes.gemini.caches.created.get((asked!.body as { cachedContent: string }).cachedContent);
    expect(JSON.parse(cache!.prompt.videoParts[0]!.key)[0]).toEqual({ fileUri: fileUploadedOf(3 * MiB), mimeType: "video/mp4" });
    // The set asked again by its job reads both kept files, and by an entry's jobId the earlier job's file.
    fakes.gemini.enqueue({ kind: "answer", chunks: ["Again."] }, { kind: "answer", chunks: ["Mixed."] });
    const again = await withAlarms(
      sessionId,
      callTool(sessionId, "askAboutVideo", { jobId: snapshotOf(set).jobId, question: "Again?" })
    );
    expect(again.content[0]?.text).toBe("Again.");
    const mixed = await withAlarms(
      sessionId,
      callTool(sessionId, "askAboutVideo", { videoUrl: first, videos: [{ jobId: snapshotOf(later).jobId }], question: "Mixed?" })
    );
    expect(mixed.content[0]?.text).toBe("Mixed.");
    expect(mixed.structuredContent).toMatchObject({
      videos: [
        { videoUrl: first, reusedUpload: true },
        { videoUrl: second, reusedUpload: true }
      ]
    });
    expect(fakes.gemini.uploads.size).toBe(2);
    const mixedParts = (fakes.gemini.generateRequests()[3]!.body as Contents).contents[0]?.parts;
    expect(mixedParts).toEqual(labelledParts([first, fileUploadedOf(2 * MiB)], [second, fileUploadedOf(3 * MiB)], "Mixed?"));
  });

  it("takes a user's upload (upload:<id>) in a set: read as is, nothing uploaded again, its file left to the upload", async () => {
    const TUS = { "Tus-Resumable": "1.0.0" };
    const video: FakeVideo = { size: 2 * MiB };
    const created = await authed("/uploads", { method: "POST", headers: { ...TUS, "Upload-Length": String(video.size) } });
    const path = new URL(created.headers.get("Location")!).pathname;
    const patched = await authed(path, {
      method: "PATCH",
      headers: { ...TUS, "Content-Type": "application/offset+octet-stream", "Upload-Offset": "0" },
      body: videoBytes(video, 0, video.size)
    });
    expect(patched.status).toBe(204);
    const uploaded = `upload:${path.split("/").pop()}`;
    const second = fakes.videos.add("/beside-upload.mp4", { size: 3 * MiB });
    const sessionId = await openIdleSession();
    const result = await withAlarms(
      sessionId,
      callTool(sessionId, "analyzeRemoteVideo", { videoUrl: uploaded, videos: [{ videoUrl: second }], prompt: "Compare." })
    );
    expect(snapshotOf(result).status).toBe("done");
    expect(fakes.gemini.uploads.size).toBe(2);
    const parts = (fakes.gemini.generateRequests()[0]!.body as Contents).contents[0]?.parts;
    expect(parts).toEqual(labelledParts([uploaded, fileUploadedOf(2 * MiB)], [second, fileUploadedOf(3 * MiB)], "Compare."));
    const userFile = [...fakes.gemini.uploads.values()].find((each) => each.declaredBytes === 2 * MiB)!.file!;
    expect(userFile.deleted).toBe(false);
  });

  it("refuses a set that does not fit the model's context together, before anything is uploaded or generated", async () => {
    const sessionId = await openIdleSession();
    fakes.gemini.enqueueCountTokens({ kind: "count", totalTokens: 5_000_000 });
    const refused = await withAlarms(
      sessionId,
      callTool(sessionId, "analyzeRemoteVideo", {
        videoUrl: "https://youtu.be/dQw4w9WgXcQ",
        videos: [{ videoUrl: "https://www.youtube.com/watch?v=9bZkp7q19f0" }]
      })
    );
    expect(refused.isError).toBe(true);
    expect(refused.content[0]?.text).toMatch(
      /^These 2 videos together: .*Ask about fewer of them at once, or about each video alone\.$/s
    );
    expect(fakes.gemini.uploads.size).toBe(0);
    expect(fakes.gemini.generateRequests()).toEqual([]);
  });

  it("refuses a set too long for one request, which segments would cut, saying to ask about each video alone", async () => {
    const first = fakes.videos.add("/long-a.mp4", { size: MiB });
    const second = fakes.videos.add("/long-b.mp4", { size: MiB });
    fakes.gemini.enqueueFiles(
      { pollsBeforeDone: 0, durationSeconds: 4 * 3600 },
      { pollsBeforeDone: 0, durationSeconds: 4 * 3600 }
    );
    const sessionId = await openIdleSession();
    const refused = await withAlarms(
      sessionId,
      callTool(sessionId, "analyzeRemoteVideo", { videoUrl: first, videos: [{ videoUrl: second }] })
    );
    expect(refused.isError).toBe(true);
    expect(refused.content[0]?.text).toMatch(
      /^These 2 videos together are too long for one request .*Ask about each video alone\.$/
    );
    expect(fakes.gemini.generateRequests()).toEqual([]);
  });

  it("refuses a set over its cost cap (maxCostUsd), counted together, before anything is generated", async () => {
    const sessionId = await openIdleSession();
    fakes.gemini.enqueueCountTokens({ kind: "count", totalTokens: 900_000 });
    const refused = await withAlarms(
      sessionId,
      callTool(sessionId, "analyzeRemoteVideo", {
        videoUrl: "https://youtu.be/dQw4w9WgXcQ",
        videos: [{ videoUrl: "https://www.youtube.com/watch?v=9bZkp7q19f0" }],
        maxCostUsd: 0.01
      })
    );
    expect(refused.isError).toBe(true);
    expect(refused.content[0]?.text).toMatch(/^These 2 videos together: .*maxCostUsd/s);
    expect(fakes.gemini.generateRequests()).toEqual([]);
  });

  it(`refuses a list of more than ${MAX_VIDEOS_PER_QUESTION} videos, or a clip of a set, saying why, before asking Gemini anything`, async () => {
    const sessionId = await openIdleSession();
    const videoUrl = "https://example.com/v.mp4";
    const videos = Array.from({ length: MAX_VIDEOS_PER_QUESTION }, (_, index) => ({
      videoUrl: `https://example.com/v${index}.mp4`
    }));
    const tooMany = await callTool(sessionId, "analyzeRemoteVideo", { videoUrl, videos });
    expect(tooMany.isError).toBe(true);
    expect(tooMany.content[0]?.text).toContain(
      `one question may name at most ${MAX_VIDEOS_PER_QUESTION} videos (videoUrl or jobId, and at most ${MAX_VIDEOS_PER_QUESTION - 1} in videos): ask about the others in another question, or about each video alone`
    );
    const clip = await callTool(sessionId, "askAboutVideo", {
      videoUrl,
      videos: videos.slice(0, 1),
      question: "?",
      startOffset: 10
    });
    expect(clip.isError).toBe(true);
    expect(clip.content[0]?.text).toContain("startOffset and endOffset apply to one video");
    const twice = await callTool(sessionId, "analyzeRemoteVideo", { videoUrl, videos: [{ videoUrl: ` ${videoUrl}` }] });
    expect(twice.isError).toBe(true);
    expect(twice.content[0]?.text).toContain("Video 2 is video 1 again: name each video once.");
    expect(fakes.gemini.requests).toEqual([]);
  });

  it("both MCP eras and a session-less /rpc call accept the list", async () => {
    for (const mode of ["auto", "legacy"] as const) {
      fakes.gemini.enqueue({ kind: "answer", chunks: [`answered in ${mode}`] });
      const client = await connect(mode);
      const result = await client.callTool({
        name: "askAboutVideo",
        arguments: {
          videoUrl: "https://youtu.be/dQw4w9WgXcQ",
          videos: [{ videoUrl: "https://www.youtube.com/watch?v=9bZkp7q19f0" }],
          question: "Which is louder?"
        }
      });
      expect(result.content).toEqual([{ type: "text", text: `answered in ${mode}` }]);
    }
    fakes.gemini.enqueue({ kind: "answer", chunks: ["answered without a session"] });
    const sessionless = await postJson("/rpc", {
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: {
        name: "analyzeRemoteVideo",
        arguments: {
          videoUrl: "https://youtu.be/dQw4w9WgXcQ",
          videos: [{ videoUrl: "https://www.youtube.com/watch?v=9bZkp7q19f0" }]
        }
      }
    });
    const answered = (await sessionless.json()) as { result: { content: { text: string }[] } };
    expect(answered.result.content[0]?.text).toBe("answered without a session");
    const parts = fakes.gemini.generateRequests().map((request) => (request.body as Contents).contents[0]?.parts[2]);
    expect(parts).toEqual(Array(3).fill({ text: "Video 2: https://www.youtube.com/watch?v=9bZkp7q19f0" }));
  });
});
