/**
 * What a question about a video asked again costs: implicit caching by the
 * shape of the request (video first, question last), and the explicit
 * context cache a follow-up is asked with, through its whole life.
 */
import { describe, expect, it, vi } from "vitest";
import { errorResponse } from "../support/fake-gemini-wire";
import { useFakes } from "./support/fetch-spy";
import { authed, initializeMcpSession, openIdleSession } from "./support/http";
import { callTool, pollJob, snapshotOf } from "./support/session-calls";

const fakes = useFakes();
const MiB = 1024 * 1024;
/** The default fake file (60 s) on the default model: 258 tokens a frame at 1 fps, 32 of audio a second. */
const VIDEO_TOKENS = 60 * (258 + 32);
/** Gemini 3 Flash bills cached input at a tenth of the input price. */
const CACHED_PRICE_RATIO = 0.1;

interface Usage {
  inputTokens: number;
  cachedInputTokens: number;
}

const usageOf = (result: { structuredContent?: Record<string, unknown> }) => result.structuredContent?.usage as Usage;
/** Input tokens as billed: the cached ones at their discount. */
const billedInput = ({ inputTokens, cachedInputTokens }: Usage) =>
  inputTokens - cachedInputTokens + cachedInputTokens * CACHED_PRICE_RATIO;

type GenerateBody = { contents: { parts: Record<string, unknown>[] }[]; cachedContent?: string };
const generated = () => fakes.gemini.generateRequests().map((request) => request.body as GenerateBody);
const cacheRequests = (method: string) =>
  fakes.gemini.requests.filter((request) => request.method === method && request.path.startsWith("/v1beta/cachedContents"));
const liveCaches = () => [...fakes.gemini.caches.entries.keys()];
/** Gemini's refusal of a cache it counts smaller than we did. */
const REFUSED_CACHE = {
  kind: "error",
  httpStatus: 400,
  status: "INVALID_ARGUMENT",
  message: "Cached content is too small. total_token_count=1000, min_total_token_count=1024"
} as const;

describe("implicit caching by construction", () => {
  it("a second question about the same video within minutes is billed its video at the cached price", async () => {
    const videoUrl = fakes.videos.add("/implicit.mp4", { size: 2 * MiB, etag: '"v1"' });
    const sessionId = await openIdleSession();
    const first = await callTool(sessionId, "analyzeRemoteVideo", { videoUrl, prompt: "Who speaks?" });
    expect(usageOf(first)).toMatchObject({ cachedInputTokens: 0 });
    const second = await callTool(sessionId, "analyzeRemoteVideo", { videoUrl, prompt: "What is shown?" });
    expect(second.structuredContent).toMatchObject({ status: "done", reusedUpload: true });
    expect(usageOf(second)).toMatchObject({ cachedInputTokens: VIDEO_TOKENS });
    // The video part opens both requests and the question closes them; no explicit cache was made.
    for (const [index, body] of generated().entries()) {
      const parts = body.contents.flatMap((content) => content.parts);
      expect(parts[0]).toHaveProperty("fileData");
      expect(parts.at(-1)).toEqual({ text: ["Who speaks?", "What is shown?"][index] });
    }
    expect(cacheRequests("POST")).toEqual([]);
  });
});

describe("context caches for follow-ups", () => {
  it("a follow-up is asked with a cache of the video and billed under a quarter of the first question's input", async () => {
    fakes.gemini.caches.implicitWindowMs = 0;
    const videoUrl = fakes.videos.add("/talk.mp4", { size: 3 * MiB });
    const sessionId = await openIdleSession();
    const first = await callTool(sessionId, "analyzeRemoteVideo", { videoUrl });
    const followUp = await callTool(sessionId, "askAboutVideo", { jobId: snapshotOf(first).jobId, question: "Who speaks?" });
    expect(followUp.isError).toBeUndefined();
    expect(usageOf(followUp)).toMatchObject({ cachedInputTokens: VIDEO_TOKENS });
    expect(billedInput(usageOf(followUp))).toBeLessThan(billedInput(usageOf(first)) / 4);
    const [cacheName] = liveCaches();
    expect(generated()[1]).toEqual(
      expect.objectContaining({ cachedContent: cacheName, contents: [{ role: "user", parts: [{ text: "Who speaks?" }] }] })
    );
  });

  it("a follow-up is estimated at the cached price, so a cap the first question would pass over lets it through", async () => {
    const videoUrl = fakes.videos.add("/capped.mp4", { size: 2 * MiB });
    const sessionId = await openIdleSession();
    const options = { model: "gemini-3-flash-preview", maxOutputTokens: 100 };
    const first = snapshotOf(await callTool(sessionId, "analyzeRemoteVideo", { videoUrl, ...options }));
    const firstEstimate = first.estimatedCostUsd as number;
    const followUp = await callTool(sessionId, "askAboutVideo", {
      jobId: first.jobId,
      question: "Who speaks?",
      ...options,
      maxCostUsd: firstEstimate / 2
    });
    expect(followUp.isError).toBeUndefined();
    expect(followUp.structuredContent?.estimatedCostUsd).toBeLessThan(firstEstimate / 4);
    expect(usageOf(followUp).cachedInputTokens).toBeGreaterThan(0);
  });

  it("lives as long as its video: made, used and extended, made anew once expired, deleted when the source changes", async () => {
    let now = Date.now();
    fakes.gemini.caches.now = () => now;
    const videoUrl = fakes.videos.add("/life.mp4", { size: 2 * MiB, etag: '"v1"' });
    const sessionId = await openIdleSession();
    const first = await callTool(sessionId, "analyzeRemoteVideo", { videoUrl, keepForFollowUps: true });
    const [made] = liveCaches();
    expect(made).toMatch(/^cachedContents\//);
    expect(cacheRequests("POST")).toHaveLength(1);
    expect(cacheRequests("POST")[0]?.body).toMatchObject({ ttl: "3600s", contents: [{ parts: [{ fileData: {} }] }] });
    expect(generated()[0]?.cachedContent).toBe(made);
    expect(usageOf(first).cachedInputTokens).toBe(VIDEO_TOKENS);

    now += 10 * 60_000;
    const asked = await callTool(sessionId, "askAboutVideo", { jobId: snapshotOf(first).jobId, question: "And then?" });
    expect(usageOf(asked).cachedInputTokens).toBe(VIDEO_TOKENS);
    expect(generated()[1]?.cachedContent).toBe(made);
    expect(cacheRequests("PATCH").map((request) => request.body)).toEqual([{ ttl: "3600s" }]);
    expect(fakes.gemini.caches.entries.get(made!)?.expireTime).toBe(now + 3600_000);

    // Gemini dropped it (our row still thinks it lives): the question is asked again with a new cache.
    now += 2 * 3600_000;
    const late = await callTool(sessionId, "askAboutVideo", { videoUrl, question: "Late?" });
    expect(late.isError).toBeUndefined();
    const [remade] = liveCaches();
    expect(remade).toMatch(/^cachedContents\//);
    expect(remade).not.toBe(made);
    expect(generated().at(-1)?.cachedContent).toBe(remade);
    expect(usageOf(late).cachedInputTokens).toBe(VIDEO_TOKENS);

    fakes.videos.add("/life.mp4", { size: 2 * MiB, etag: '"v2"' });
    await callTool(sessionId, "askAboutVideo", { videoUrl, question: "Changed?" });
    await expect.poll(() => cacheRequests("DELETE").map((request) => request.path)).toEqual([`/v1beta/${remade}`]);
    expect(liveCaches()).toHaveLength(1);
    expect(liveCaches()).not.toContain(remade);
  });

  it("goes with the session, a YouTube link's (which has no file) too", async () => {
    const videoUrl = fakes.videos.add("/session.mp4", { size: 2 * MiB });
    const sessionId = await initializeMcpSession();
    await callTool(sessionId, "analyzeRemoteVideo", { videoUrl, keepForFollowUps: true });
    await callTool(sessionId, "analyzeRemoteVideo", { videoUrl: "https://youtu.be/dQw4w9WgXcQ", keepForFollowUps: true });
    const made = liveCaches();
    expect(made).toHaveLength(2);
    expect((await authed("/mcp", { method: "DELETE", headers: { "Mcp-Session-Id": sessionId } })).status).toBe(200);
    expect(
      cacheRequests("DELETE")
        .map((request) => request.path)
        .sort()
    ).toEqual(made.map((name) => `/v1beta/${name}`).sort());
    expect(liveCaches()).toEqual([]);
  });

  it("is made anew once when Gemini drops it between its extension and the question", async () => {
    const videoUrl = fakes.videos.add("/dropped.mp4", { size: 2 * MiB });
    const sessionId = await openIdleSession();
    const first = await callTool(sessionId, "analyzeRemoteVideo", { videoUrl, keepForFollowUps: true });
    const [made] = liveCaches();
    const handle = fakes.gemini.caches.handle.bind(fakes.gemini.caches);
    vi.spyOn(fakes.gemini.caches, "handle").mockImplementation((method, path, body) => {
      const answered = handle(method, path, body);
      if (method === "PATCH") fakes.gemini.caches.entries.clear();
      return answered;
    });
    const asked = await callTool(sessionId, "askAboutVideo", { jobId: snapshotOf(first).jobId, question: "Again?" });
    expect(asked.isError).toBeUndefined();
    const [remade] = liveCaches();
    expect(remade).toMatch(/^cachedContents\//);
    expect(remade).not.toBe(made);
    expect(generated().map((body) => body.cachedContent)).toEqual([made, made, remade]);
    expect(usageOf(asked).cachedInputTokens).toBe(VIDEO_TOKENS);
  });

  it("falls back to the plain request when a cache cannot be made, and never fails the question", async () => {
    const handle = fakes.gemini.caches.handle.bind(fakes.gemini.caches);
    vi.spyOn(fakes.gemini.caches, "handle").mockImplementation((method, path, body) =>
      method === "POST" && path === "/v1beta/cachedContents" ? errorResponse(REFUSED_CACHE) : handle(method, path, body)
    );
    const videoUrl = fakes.videos.add("/quota.mp4", { size: 2 * MiB });
    const sessionId = await openIdleSession();
    const answer = await callTool(sessionId, "analyzeRemoteVideo", { videoUrl, keepForFollowUps: true });
    expect(answer.isError).toBeUndefined();
    expect(answer.structuredContent).toMatchObject({ status: "done" });
    expect(generated()[0]).not.toHaveProperty("cachedContent");
    expect(generated()[0]?.contents[0]?.parts[0]).toHaveProperty("fileData");
  });

  it("falls back to the plain request when the cache is gone and cannot be made again", async () => {
    let now = Date.now();
    fakes.gemini.caches.now = () => now;
    const videoUrl = fakes.videos.add("/gone.mp4", { size: 2 * MiB });
    const sessionId = await openIdleSession();
    const first = await callTool(sessionId, "analyzeRemoteVideo", { videoUrl, keepForFollowUps: true });
    expect(liveCaches()).toHaveLength(1);
    now += 2 * 3600_000;
    const handle = fakes.gemini.caches.handle.bind(fakes.gemini.caches);
    vi.spyOn(fakes.gemini.caches, "handle").mockImplementation((method, path, body) =>
      method === "POST" && path === "/v1beta/cachedContents" ? errorResponse(REFUSED_CACHE) : handle(method, path, body)
    );
    const asked = await callTool(sessionId, "askAboutVideo", { jobId: snapshotOf(first).jobId, question: "Still there?" });
    expect(asked.isError).toBeUndefined();
    expect(asked.structuredContent).toMatchObject({ status: "done" });
    const last = generated().at(-1);
    expect(last).not.toHaveProperty("cachedContent");
    expect(last?.contents[0]?.parts.at(-1)).toEqual({ text: "Still there?" });
  });

  it("makes no cache of a clip below the model's minimum cacheable size", async () => {
    const videoUrl = fakes.videos.add("/short.mp4", { size: MiB });
    const sessionId = await openIdleSession();
    const answer = await callTool(sessionId, "analyzeRemoteVideo", { videoUrl, endOffset: 3, keepForFollowUps: true });
    expect(answer.structuredContent).toMatchObject({ status: "done" });
    expect(cacheRequests("POST")).toEqual([]);
    expect(generated()[0]).not.toHaveProperty("cachedContent");
  });

  it("is deleted when the owner cancels the question asked with it, though the video's file is kept", async () => {
    const videoUrl = fakes.videos.add("/cancel.mp4", { size: 2 * MiB });
    const sessionId = await openIdleSession();
    await callTool(sessionId, "analyzeRemoteVideo", { videoUrl });
    fakes.gemini.enqueue({ kind: "answer", chunks: Array.from({ length: 50 }, (_, i) => `part ${i} `), chunkDelayMs: 100 });
    const { jobId } = snapshotOf(await callTool(sessionId, "startVideoAnalysis", { videoUrl, keepForFollowUps: true }));
    await pollJob(sessionId, jobId, (job) => job.status === "generating" && String(job.message).startsWith("generating"));
    const [made] = liveCaches();
    expect(made).toMatch(/^cachedContents\//);
    await callTool(sessionId, "cancelVideoAnalysis", { jobId });
    await expect.poll(() => cacheRequests("DELETE").map((request) => request.path)).toEqual([`/v1beta/${made}`]);
    expect(liveCaches()).toEqual([]);
    expect([...fakes.gemini.files.values()].map((file) => file.deleted)).toEqual([false]);
  });
});
