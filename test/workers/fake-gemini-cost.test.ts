/**
 * The fake Gemini's ways to pay less, read through Google's own SDK against
 * the REST reference: explicit caches (`cachedContents`), implicit caching and
 * the Batch API.
 */
import { type GoogleGenAI, JobState, MediaResolution } from "@google/genai";
import { describe, expect, it } from "vitest";
import { createGeminiClient } from "../../src/gemini/client";
import { FAKE_GEMINI_BASE_URL } from "../constants";
import { DEFAULT_YOUTUBE_SECONDS, FakeGemini, geminiErrors } from "../support/fake-gemini";

const YOUTUBE = "https://www.youtube.com/watch?v=dQw4w9WgXcQ";
const API_KEY = "k";
const MODEL = "gemini-3-flash-preview";
/** The whole default YouTube video on a Gemini 3 model: 70 tokens a frame at 1 fps, 32 of audio a second. */
const VIDEO_TOKENS = DEFAULT_YOUTUBE_SECONDS * 70;
const AUDIO_TOKENS = DEFAULT_YOUTUBE_SECONDS * 32;

/** The usage of a request whose whole video came from a cache, with `questionTokens` of its own. */
const videoServedFromCache = (questionTokens: number) => ({
  promptTokenCount: VIDEO_TOKENS + AUDIO_TOKENS + questionTokens,
  cachedContentTokenCount: VIDEO_TOKENS + AUDIO_TOKENS,
  cacheTokensDetails: [
    { modality: "VIDEO", tokenCount: VIDEO_TOKENS },
    { modality: "AUDIO", tokenCount: AUDIO_TOKENS }
  ]
});
const START = Date.parse("2026-12-07T12:00:00.000Z");

function client(fake: FakeGemini): GoogleGenAI {
  return createGeminiClient({ apiKey: API_KEY, baseUrl: FAKE_GEMINI_BASE_URL, model: MODEL }, (input, init) =>
    fake.handle(new Request(input, init))
  );
}

/** A fake whose caches run on a clock the test moves. */
function fakeWithClock(): { fake: FakeGemini; advance: (ms: number) => void; now: () => number } {
  const fake = new FakeGemini();
  let now = START;
  fake.caches.now = () => now;
  fake.batches.now = () => now;
  return { fake, advance: (ms) => (now += ms), now: () => now };
}

const videoPart = { fileData: { fileUri: YOUTUBE, mimeType: "video/mp4" } };
const video = [{ role: "user", parts: [videoPart] }];
const question = (prompt: string) => [{ role: "user", parts: [{ text: prompt }] }];
const videoQuestion = (prompt: string) => [{ role: "user", parts: [videoPart, { text: prompt }] }];

async function raw(fake: FakeGemini, method: string, path: string, body?: unknown): Promise<Response> {
  return fake.handle(
    new Request(`${FAKE_GEMINI_BASE_URL}/v1beta/${path}`, {
      method,
      headers: { "x-goog-api-key": API_KEY, "Content-Type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
  );
}

const CACHE_GONE = {
  error: { code: 403, message: "CachedContent not found (or permission denied)", status: "PERMISSION_DENIED" }
};

describe("FakeGemini cachedContents", () => {
  it("lives as Gemini's caches do: created with a ttl, used by name, extended, deleted", async () => {
    const { fake, advance, now } = fakeWithClock();
    const ai = client(fake);
    const created = await ai.caches.create({ model: MODEL, config: { contents: video, ttl: "600s", displayName: "video-1" } });
    expect(created).toEqual({
      name: expect.stringMatching(/^cachedContents\/[a-z0-9]+$/),
      model: `models/${MODEL}`,
      displayName: "video-1",
      createTime: "2026-12-07T12:00:00.000Z",
      updateTime: "2026-12-07T12:00:00.000Z",
      expireTime: "2026-12-07T12:10:00.000Z",
      usageMetadata: { totalTokenCount: VIDEO_TOKENS + AUDIO_TOKENS }
    });
    const name = created.name!;
    expect((await ai.caches.get({ name })).expireTime).toBe("2026-12-07T12:10:00.000Z");
    expect((await ai.caches.list()).page.map((cache) => cache.name)).toEqual([name]);

    const answer = await ai.models.generateContent({
      model: MODEL,
      contents: question("What?"),
      config: { cachedContent: name }
    });
    expect(answer.usageMetadata).toMatchObject(videoServedFromCache(2));
    const streamed = [];
    for await (const chunk of await ai.models.generateContentStream({
      model: MODEL,
      contents: question("And?"),
      config: { cachedContent: name }
    })) {
      streamed.push(chunk);
    }
    expect(streamed.at(-1)?.usageMetadata?.cachedContentTokenCount).toBe(VIDEO_TOKENS + AUDIO_TOKENS);
    const counted = await raw(fake, "POST", `models/${MODEL}:countTokens`, {
      generateContentRequest: { model: `models/${MODEL}`, contents: question("What?"), cachedContent: name }
    });
    expect(await counted.json()).toMatchObject({
      totalTokens: VIDEO_TOKENS + AUDIO_TOKENS + 2,
      cachedContentTokenCount: VIDEO_TOKENS + AUDIO_TOKENS
    });

    advance(300_000);
    const extended = await ai.caches.update({ name, config: { ttl: "3600s" } });
    expect(extended).toMatchObject({
      expireTime: new Date(now() + 3600_000).toISOString(),
      updateTime: "2026-12-07T12:05:00.000Z"
    });
    expect((await ai.caches.get({ name })).expireTime).toBe("2026-12-07T13:05:00.000Z");

    await ai.caches.delete({ name });
    const gone = await raw(fake, "GET", name);
    expect(gone.status).toBe(403);
    expect(await gone.json()).toEqual(CACHE_GONE);
    await expect(ai.caches.get({ name })).rejects.toMatchObject({ status: 403 });
  });

  it("expires at its expireTime: requests naming it are refused as Gemini refuses them", async () => {
    const { fake, advance } = fakeWithClock();
    const ai = client(fake);
    const { name } = await ai.caches.create({
      model: MODEL,
      config: { contents: video, expireTime: "2026-12-07T12:01:00Z" }
    });
    advance(59_000);
    await ai.models.generateContent({ model: MODEL, contents: question("Q"), config: { cachedContent: name! } });
    advance(1_000);
    const refused = await raw(fake, "POST", `models/${MODEL}:generateContent`, { contents: question("Q"), cachedContent: name });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual(CACHE_GONE);
    expect((await raw(fake, "GET", name!)).status).toBe(403);
    expect((await raw(fake, "PATCH", name!, { ttl: "60s" })).status).toBe(403);
    expect(await (await raw(fake, "GET", "cachedContents")).json()).toEqual({});
  });

  it("refuses what Gemini refuses: too small, another model, settings outside the cache, a bad ttl", async () => {
    const { fake } = fakeWithClock();
    const ai = client(fake);
    const small = await raw(fake, "POST", "cachedContents", { model: `models/${MODEL}`, contents: question("short") });
    expect(await small.json()).toMatchObject({
      error: {
        code: 400,
        status: "INVALID_ARGUMENT",
        message: "Cached content is too small. total_token_count=2, min_total_token_count=1024"
      }
    });
    const badTtl = await raw(fake, "POST", "cachedContents", { model: `models/${MODEL}`, contents: video, ttl: "1h" });
    expect(await badTtl.json()).toMatchObject({ error: { details: [{ fieldViolations: [{ field: "cached_content.ttl" }] }] } });
    const { name } = await ai.caches.create({ model: MODEL, config: { contents: video } });
    const otherModel = await raw(fake, "POST", "models/gemini-3.1-pro-preview:generateContent", {
      contents: question("Q"),
      cachedContent: name
    });
    expect(await otherModel.json()).toMatchObject({ error: { code: 400, message: expect.stringMatching(/has to be the same/) } });
    const withSystem = await raw(fake, "POST", `models/${MODEL}:generateContent`, {
      contents: question("Q"),
      cachedContent: name,
      systemInstruction: { parts: [{ text: "Be brief." }] }
    });
    expect(await withSystem.json()).toMatchObject({
      error: { code: 400, message: expect.stringMatching(/^CachedContent can not be used/) }
    });
    // Without ttl or expireTime a cache lives an hour.
    expect((await ai.caches.get({ name: name! })).expireTime).toBe("2026-12-07T13:00:00.000Z");
  });
});

describe("FakeGemini implicit caching", () => {
  const request = (model: string, mediaResolution = MediaResolution.MEDIA_RESOLUTION_LOW, prompt = "Q") => ({
    model,
    contents: videoQuestion(prompt),
    config: { mediaResolution }
  });

  it("serves a prefix seen within the window: same video part first, same resolution, same model", async () => {
    const { fake, advance } = fakeWithClock();
    fake.caches.implicitWindowMs = 60_000;
    const ai = client(fake);
    const first = await ai.models.generateContent(request(MODEL));
    expect(first.usageMetadata).not.toHaveProperty("cachedContentTokenCount");
    advance(30_000);
    const followUp = await ai.models.generateContent(request(MODEL, MediaResolution.MEDIA_RESOLUTION_LOW, "Another question"));
    expect(followUp.usageMetadata).toMatchObject(videoServedFromCache(4));

    const otherModel = await ai.models.generateContent(request("gemini-3.1-pro-preview"));
    expect(otherModel.usageMetadata).not.toHaveProperty("cachedContentTokenCount");
    const otherResolution = await ai.models.generateContent(request(MODEL, MediaResolution.MEDIA_RESOLUTION_HIGH));
    expect(otherResolution.usageMetadata).not.toHaveProperty("cachedContentTokenCount");
    const questionFirst = await ai.models.generateContent({
      model: MODEL,
      contents: [{ role: "user", parts: [{ text: "Q" }, videoPart] }],
      config: { mediaResolution: MediaResolution.MEDIA_RESOLUTION_LOW }
    });
    expect(questionFirst.usageMetadata).not.toHaveProperty("cachedContentTokenCount");

    advance(60_001);
    const late = await ai.models.generateContent(request(MODEL));
    expect(late.usageMetadata).not.toHaveProperty("cachedContentTokenCount");
  });
});

describe("FakeGemini Batch API", () => {
  it("runs inlined requests to BATCH_STATE_SUCCEEDED, answers and usage inlined in order", async () => {
    const { fake } = fakeWithClock();
    fake.enqueue({ kind: "answer", chunks: ["A cat."] }, geminiErrors.invalidArgument("contents", "contents is not specified"));
    const ai = client(fake);
    const job = await ai.batches.create({
      model: MODEL,
      src: [
        { contents: videoQuestion("What?"), metadata: { key: "q1" } },
        { contents: videoQuestion("Who?"), metadata: { key: "q2" } }
      ],
      config: { displayName: "job-1" }
    });
    expect(job).toMatchObject({
      name: expect.stringMatching(/^batches\/[a-z0-9]{36}$/),
      displayName: "job-1",
      model: `models/${MODEL}`,
      state: JobState.JOB_STATE_PENDING,
      createTime: "2026-12-07T12:00:00.000Z"
    });
    expect(fake.requests.at(-1)).toMatchObject({
      path: `/v1beta/models/${MODEL}:batchGenerateContent`,
      body: {
        batch: {
          displayName: "job-1",
          inputConfig: {
            requests: { requests: [{ request: { contents: videoQuestion("What?") }, metadata: { key: "q1" } }, {}] }
          }
        }
      }
    });
    expect((await ai.batches.get({ name: job.name! })).state).toBe(JobState.JOB_STATE_RUNNING);
    const done = await ai.batches.get({ name: job.name! });
    expect(done.state).toBe(JobState.JOB_STATE_SUCCEEDED);
    const [answered, failed] = done.dest?.inlinedResponses ?? [];
    expect(answered?.metadata).toEqual({ key: "q1" });
    expect(answered?.response?.candidates?.[0]?.content?.parts?.[0]?.text).toBe("A cat.");
    expect(answered?.response?.usageMetadata).toMatchObject({
      promptTokenCount: VIDEO_TOKENS + AUDIO_TOKENS + 2,
      candidatesTokenCount: 2
    });
    expect(answered?.response?.usageMetadata).not.toHaveProperty("trafficType");
    expect(failed).toEqual({ error: { code: 3, message: "contents is not specified" }, metadata: { key: "q2" } });

    // The operation as the REST reference names it, before the SDK maps BatchState to JobState.
    const operation = (await (await raw(fake, "GET", job.name!)).json()) as Record<string, unknown>;
    expect(operation).toMatchObject({
      name: job.name,
      done: true,
      metadata: {
        "@type": "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatch",
        state: "BATCH_STATE_SUCCEEDED",
        batchStats: { requestCount: "2", successfulRequestCount: "1", failedRequestCount: "1" },
        endTime: expect.stringMatching(/Z$/)
      },
      response: {
        "@type": "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatchOutput",
        inlinedResponses: { inlinedResponses: [{ metadata: { key: "q1" } }, { metadata: { key: "q2" } }] }
      }
    });
  });

  it("cancels a pending batch without answering it, forgets a deleted one, and expires one that never ran", async () => {
    const { fake } = fakeWithClock();
    fake.batches.enqueue({ pollsPending: 5 });
    const ai = client(fake);
    const job = await ai.batches.create({ model: MODEL, src: [{ contents: videoQuestion("What?") }] });
    expect((await ai.batches.get({ name: job.name! })).state).toBe(JobState.JOB_STATE_PENDING);
    await ai.batches.cancel({ name: job.name! });
    const cancelled = await ai.batches.get({ name: job.name! });
    expect(cancelled.state).toBe(JobState.JOB_STATE_CANCELLED);
    expect(cancelled.dest).toBeUndefined();
    expect(await (await raw(fake, "GET", job.name!)).json()).toMatchObject({
      done: true,
      metadata: { state: "BATCH_STATE_CANCELLED", batchStats: { requestCount: "1" } }
    });
    await ai.batches.delete({ name: job.name! });
    await expect(ai.batches.get({ name: job.name! })).rejects.toMatchObject({ status: 404 });
    fake.batches.enqueue({ pollsRunning: 0, outcome: "BATCH_STATE_EXPIRED" });
    const expired = await ai.batches.create({ model: MODEL, src: [{ contents: videoQuestion("What?") }] });
    const ended = await ai.batches.get({ name: expired.name! });
    expect(ended).toMatchObject({ state: JobState.JOB_STATE_EXPIRED, endTime: expect.stringMatching(/Z$/) });
    expect(ended.dest).toBeUndefined();
    fake.models.set("gemini-gone", null);
    expect((await raw(fake, "POST", "models/gemini-gone:batchGenerateContent", { batch: {} })).status).toBe(404);
  });
});
