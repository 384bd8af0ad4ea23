/**
 * The fake Gemini read through Google's own SDK, field by field against the
 * REST reference: what the server's tests stand on.
 */
import { ApiError, type GenerateContentResponse, type GoogleGenAI, MediaResolution, type VideoMetadata } from "@google/genai";
import { describe, expect, it } from "vitest";
import { parseStructuredAnswer, responseJsonSchema } from "../../src/analysis/formats";
import { videoRequest } from "../../src/gemini/analyze";
import { createGeminiClient, GEMINI_API_VERSION } from "../../src/gemini/client";
import { countQuestionTokens } from "../../src/gemini/count-tokens";
import { startUpload, uploadChunk } from "../../src/gemini/upload";
import { retryInfoDelayMs } from "../../src/gemini/retry";
import { FAKE_GEMINI_BASE_URL } from "../constants";
import {
  DEFAULT_THOUGHTS_TOKENS,
  DEFAULT_YOUTUBE_SECONDS,
  FakeGemini,
  type GenerateBehavior,
  geminiErrors,
  UPLOAD_CHUNK_GRANULARITY,
  type VideoScript
} from "../support/fake-gemini";

const YOUTUBE = "https://www.youtube.com/watch?v=dQw4w9WgXcQ";
const API_KEY = "k";

/** The SDK client as the server builds it, answered by the fake. */
function client(fake: FakeGemini): GoogleGenAI {
  return createGeminiClient({ apiKey: API_KEY, baseUrl: FAKE_GEMINI_BASE_URL, model: "gemini-test-flash" }, (input, init) =>
    fake.handle(new Request(input, init))
  );
}

const question = (prompt = "What happens?") => [
  { role: "user", parts: [{ fileData: { fileUri: YOUTUBE, mimeType: "video/mp4" } }, { text: prompt }] }
];

async function countTokens(fake: FakeGemini, model: string, body: unknown): Promise<Response> {
  return fake.handle(
    new Request(`${FAKE_GEMINI_BASE_URL}/v1beta/models/${model}:countTokens`, {
      method: "POST",
      headers: { "x-goog-api-key": API_KEY, "Content-Type": "application/json" },
      body: JSON.stringify(body)
    })
  );
}

describe("FakeGemini streamGenerateContent", () => {
  it("streams whole GenerateContentResponses: usage on every chunk, in full on the last, signatures on Gemini 3", async () => {
    const fake = new FakeGemini();
    fake.enqueue({
      kind: "answer",
      chunks: ["A cat ", "and a dog."],
      citations: [{ startIndex: 0, endIndex: 5, uri: "https://example.com" }]
    });
    const chunks = [];
    for await (const chunk of await client(fake).models.generateContentStream({
      model: "gemini-flash-latest",
      contents: question()
    })) {
      chunks.push(chunk);
    }
    expect(chunks.map((chunk) => chunk.text).join("")).toBe("A cat and a dog.");
    expect(new Set(chunks.map((chunk) => chunk.responseId)).size).toBe(1);
    expect(chunks.every((chunk) => chunk.modelVersion === "gemini-3-flash-preview")).toBe(true);
    const [first, last] = [chunks[0]!, chunks.at(-1)!];
    expect(first.candidates?.[0]?.content?.parts?.[0]?.thoughtSignature).toMatch(/^[A-Za-z0-9+/]+=*$/);
    const prompt = DEFAULT_YOUTUBE_SECONDS * 70 + DEFAULT_YOUTUBE_SECONDS * 32 + 4;
    expect(first.usageMetadata).toEqual({
      promptTokenCount: prompt,
      totalTokenCount: prompt + DEFAULT_THOUGHTS_TOKENS,
      thoughtsTokenCount: DEFAULT_THOUGHTS_TOKENS,
      promptTokensDetails: [
        { modality: "TEXT", tokenCount: 4 },
        { modality: "VIDEO", tokenCount: DEFAULT_YOUTUBE_SECONDS * 70 },
        { modality: "AUDIO", tokenCount: DEFAULT_YOUTUBE_SECONDS * 32 }
      ]
    });
    expect(last.usageMetadata).toMatchObject({
      candidatesTokenCount: 4,
      totalTokenCount: prompt + 4 + DEFAULT_THOUGHTS_TOKENS,
      candidatesTokensDetails: [{ modality: "TEXT", tokenCount: 4 }],
      trafficType: "ON_DEMAND"
    });
    const candidate = last.candidates![0]!;
    expect(candidate).toMatchObject({ finishReason: "STOP", index: 0, content: { role: "model" } });
    expect(candidate.content?.parts?.at(-1)).toEqual({ text: "", thoughtSignature: expect.any(String) });
    expect(candidate.safetyRatings).toHaveLength(4);
    expect(candidate.citationMetadata?.citations).toEqual([{ startIndex: 0, endIndex: 5, uri: "https://example.com" }]);
  });

  it("counts Gemini 2.5's rates, at low resolution and over the clip only, and serves a repeated video from the implicit cache", async () => {
    const fake = new FakeGemini();
    const request = {
      model: "gemini-2.5-flash",
      contents: [
        {
          role: "user",
          parts: [
            {
              fileData: { fileUri: YOUTUBE, mimeType: "video/mp4" },
              videoMetadata: { startOffset: "13s", endOffset: "113s", fps: 2 }
            },
            { text: "Q" }
          ]
        }
      ],
      config: { mediaResolution: MediaResolution.MEDIA_RESOLUTION_LOW }
    };
    const answer = await client(fake).models.generateContent(request);
    expect(answer.usageMetadata).toMatchObject({ promptTokenCount: 200 * 66 + 100 * 32 + 1 });
    expect(answer.usageMetadata).not.toHaveProperty("cachedContentTokenCount");
    expect(answer.candidates?.[0]?.avgLogprobs).toBeLessThan(0);
    const again = await client(fake).models.generateContent(request);
    expect(again.usageMetadata).toMatchObject({
      cachedContentTokenCount: 200 * 66 + 100 * 32,
      cacheTokensDetails: [
        { modality: "VIDEO", tokenCount: 200 * 66 },
        { modality: "AUDIO", tokenCount: 100 * 32 }
      ]
    });
  });

  it("blocks with promptFeedback and ratings, and fails with Google's error details", async () => {
    const fake = new FakeGemini();
    fake.enqueue({ kind: "blocked", blockReason: "SAFETY" }, geminiErrors.quotaExceeded("7s"));
    const blocked = await client(fake).models.generateContent({ model: "gemini-2.5-flash", contents: question() });
    expect(blocked.promptFeedback).toMatchObject({
      blockReason: "SAFETY",
      safetyRatings: expect.arrayContaining([{ category: "HARM_CATEGORY_DANGEROUS_CONTENT", probability: "HIGH", blocked: true }])
    });
    const failure = await client(fake)
      .models.generateContent({ model: "gemini-2.5-flash", contents: question() })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ApiError);
    expect((failure as ApiError).status).toBe(429);
    expect(retryInfoDelayMs((failure as ApiError).message)).toBe(7_000);
    expect(JSON.parse((failure as ApiError).message).error.details.map((detail: { "@type": string }) => detail["@type"])).toEqual(
      [
        "type.googleapis.com/google.rpc.QuotaFailure",
        "type.googleapis.com/google.rpc.Help",
        "type.googleapis.com/google.rpc.RetryInfo"
      ]
    );
  });
});

describe("FakeGemini countTokens", () => {
  it("counts a generateContentRequest as generateContent's usage does, mediaResolution included", async () => {
    const fake = new FakeGemini();
    const body = (model: string, mediaResolution: string) => ({
      generateContentRequest: { model: `models/${model}`, contents: question("Q"), generationConfig: { mediaResolution } }
    });
    const seconds = DEFAULT_YOUTUBE_SECONDS;
    for (const [model, resolution, perFrame] of [
      ["gemini-3-flash-preview", "MEDIA_RESOLUTION_HIGH", 280],
      ["gemini-3-flash-preview", "MEDIA_RESOLUTION_LOW", 70],
      ["gemini-2.5-pro", "MEDIA_RESOLUTION_MEDIUM", 258],
      ["gemini-2.5-pro", "MEDIA_RESOLUTION_LOW", 66]
    ] as const) {
      expect(await (await countTokens(fake, model, body(model, resolution))).json()).toEqual({
        totalTokens: seconds * perFrame + seconds * 32 + 1,
        promptTokensDetails: [
          { modality: "TEXT", tokenCount: 1 },
          { modality: "VIDEO", tokenCount: seconds * perFrame },
          { modality: "AUDIO", tokenCount: seconds * 32 }
        ]
      });
    }
    const counted = await client(fake).models.countTokens({ model: "gemini-flash-latest", contents: question("Q") });
    expect(counted.totalTokens).toBe(seconds * 70 + seconds * 32 + 1);
  });

  it("refuses what Gemini refuses, and answers what tests queue", async () => {
    const fake = new FakeGemini();
    const both = await countTokens(fake, "gemini-2.5-flash", {
      contents: question(),
      generateContentRequest: { model: "models/gemini-2.5-flash", contents: question() }
    });
    expect(both.status).toBe(400);
    const noModel = await countTokens(fake, "gemini-2.5-flash", { generateContentRequest: { contents: question() } });
    expect(await noModel.json()).toMatchObject({
      error: { code: 400, status: "INVALID_ARGUMENT", details: [{ "@type": "type.googleapis.com/google.rpc.BadRequest" }] }
    });
    const badOffset = await countTokens(fake, "gemini-2.5-flash", {
      contents: [{ parts: [{ fileData: { fileUri: YOUTUBE }, videoMetadata: { startOffset: "90" } }] }]
    });
    expect(await badOffset.json()).toMatchObject({
      error: { details: [{ fieldViolations: [{ field: "contents[0].parts[0].video_metadata.start_offset" }] }] }
    });
    fake.enqueueCountTokens({ kind: "count", totalTokens: 42 }, geminiErrors.internal());
    expect(await (await countTokens(fake, "gemini-2.5-flash", { contents: question() })).json()).toEqual({ totalTokens: 42 });
    expect((await countTokens(fake, "gemini-2.5-flash", { contents: question() })).status).toBe(500);
    fake.models.set("gemini-gone", null);
    expect((await countTokens(fake, "gemini-gone", { contents: question() })).status).toBe(404);
  });
});

describe("FakeGemini files and models", () => {
  it("answers whole File resources through the upload, files.get and files.delete", async () => {
    const fake = new FakeGemini();
    fake.enqueueFiles({ pollsBeforeDone: 1, durationSeconds: 90.5 });
    const target = {
      apiKey: API_KEY,
      baseUrl: FAKE_GEMINI_BASE_URL,
      fetch: (input: RequestInfo | URL, init?: RequestInit) => fake.handle(new Request(input, init))
    };
    const uploadUrl = await startUpload(target, { mimeType: "video/mp4", totalBytes: 4, displayName: "job-1" });
    const { file } = await uploadChunk(target, uploadUrl, 0, new Uint8Array([1, 2, 3, 4]), true);
    expect(file).toEqual({
      name: "files/f1",
      displayName: "job-1",
      mimeType: "video/mp4",
      sizeBytes: "4",
      createTime: expect.stringMatching(/Z$/),
      updateTime: expect.stringMatching(/Z$/),
      expirationTime: expect.stringMatching(/Z$/),
      sha256Hash: expect.stringMatching(/^[A-Za-z0-9+/]{86}==$/),
      uri: `${FAKE_GEMINI_BASE_URL}/v1beta/files/f1`,
      state: "PROCESSING",
      source: "UPLOADED"
    });
    const ai = client(fake);
    expect((await ai.files.get({ name: "files/f1" })).state).toBe("PROCESSING");
    const active = await ai.files.get({ name: "files/f1" });
    expect(active).toMatchObject({ state: "ACTIVE", source: "UPLOADED", videoMetadata: { videoDuration: "90.5s" } });
    expect(Date.parse(active.expirationTime!) - Date.parse(active.createTime!)).toBe(48 * 3600_000);
    await ai.files.delete({ name: "files/f1" });
    const gone = await ai.files.get({ name: "files/f1" }).catch((error: unknown) => error);
    expect(gone).toMatchObject({ status: 403, message: expect.stringMatching(/access the File f1 or it may not exist/) });
  });

  it("takes chunks in multiples of its 8 MiB granularity, as the SDK sends them, and refuses others as Google does", async () => {
    const fake = new FakeGemini();
    const start = await fake.handle(
      new Request(`${FAKE_GEMINI_BASE_URL}/upload/v1beta/files`, {
        method: "POST",
        headers: {
          "x-goog-api-key": API_KEY,
          "X-Goog-Upload-Protocol": "resumable",
          "X-Goog-Upload-Command": "start",
          "X-Goog-Upload-Header-Content-Type": "video/mp4"
        },
        body: "{}"
      })
    );
    expect(start.headers.get("X-Goog-Upload-Chunk-Granularity")).toBe(String(UPLOAD_CHUNK_GRANULARITY));

    const size = UPLOAD_CHUNK_GRANULARITY + 5;
    const uploaded = await client(fake).files.upload({
      file: new Blob([new Uint8Array(size)], { type: "video/mp4" }),
      config: { displayName: "whole" }
    });
    expect(uploaded).toMatchObject({ displayName: "whole", sizeBytes: String(size), state: "ACTIVE" });
    expect([...fake.uploads.values()].at(-1)?.chunkSizes).toEqual([UPLOAD_CHUNK_GRANULARITY, 5]);

    const target = {
      apiKey: API_KEY,
      baseUrl: FAKE_GEMINI_BASE_URL,
      fetch: (input: RequestInfo | URL, init?: RequestInit) => fake.handle(new Request(input, init))
    };
    const uploadUrl = await startUpload(target, { mimeType: "video/mp4", totalBytes: 10, displayName: "short chunk" });
    const refused = await uploadChunk(target, uploadUrl, 0, new Uint8Array(5), false).catch((error: unknown) => error);
    expect(refused).toMatchObject({
      status: 400,
      message: expect.stringContaining("The client sent 5 bytes, which is not a multiple of the 8388608 byte chunk granularity.")
    });
    const { file } = await uploadChunk(target, uploadUrl, 0, new Uint8Array(10), true);
    expect(file?.sizeBytes).toBe("10");
  });

  it("answers whole Model resources, with the limits tests set", async () => {
    const fake = new FakeGemini();
    fake.models.set("gemini-small", 100_000);
    fake.models.set("gemini-nope", null);
    const model = await client(fake).models.get({ model: "gemini-small" });
    expect(model).toMatchObject({
      name: "models/gemini-small",
      displayName: "Gemini Small",
      inputTokenLimit: 100_000,
      outputTokenLimit: 65_536,
      thinking: true,
      topK: 64
    });
    expect((await client(fake).models.get({ model: "gemini-flash-latest" })).inputTokenLimit).toBe(1_048_576);
    await expect(client(fake).models.get({ model: "gemini-nope" })).rejects.toMatchObject({ status: 404 });
  });
});

describe("createGeminiClient", () => {
  it("sends every call to the API version the resumable upload and countTokens use", async () => {
    // @google/genai 3 moved its default from v1beta to v1; left to it, one job
    // would upload to v1beta and ask about the file on v1.
    const fake = new FakeGemini();
    fake.enqueueFiles({ pollsBeforeDone: 0, durationSeconds: 10 });
    const paths: string[] = [];
    const recording = (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input, init);
      paths.push(`${request.method} ${new URL(request.url).pathname}`);
      return fake.handle(request);
    };
    const target = { apiKey: API_KEY, baseUrl: FAKE_GEMINI_BASE_URL, fetch: recording };
    const uploadUrl = await startUpload(target, { mimeType: "video/mp4", totalBytes: 4, displayName: "job-1" });
    const { file } = await uploadChunk(target, uploadUrl, 0, new Uint8Array([1, 2, 3, 4]), true);
    const question = { model: "gemini-test-flash", fileUri: file!.uri, mimeType: "video/mp4", prompt: "What happens?" };
    await countQuestionTokens(target, question);
    const ai = createGeminiClient({ apiKey: API_KEY, baseUrl: FAKE_GEMINI_BASE_URL, model: "gemini-test-flash" }, recording);
    await ai.models.get({ model: "gemini-test-flash" });
    expect((await ai.files.get({ name: file!.name })).state).toBe("ACTIVE");
    for await (const chunk of await ai.models.generateContentStream(videoRequest(question))) expect(chunk).toBeDefined();
    await ai.files.delete({ name: file!.name });

    expect(GEMINI_API_VERSION).toBe("v1beta");
    expect(paths).toEqual([
      "POST /upload/v1beta/files",
      expect.stringMatching(/^PUT |^POST /),
      "POST /v1beta/models/gemini-test-flash:countTokens",
      "GET /v1beta/models/gemini-test-flash",
      "GET /v1beta/files/f1",
      "POST /v1beta/models/gemini-test-flash:streamGenerateContent",
      "DELETE /v1beta/files/f1"
    ]);
  });
});

describe("FakeGemini long videos", () => {
  const SIX_HOURS = 6 * 3600;
  /** A line every 15 s for six hours, two speakers taking turns. */
  const script = (): VideoScript => ({
    lines: Array.from({ length: SIX_HOURS / 15 }, (_, index) => ({
      speaker: index % 2 === 0 ? "Alice" : "Bob",
      startSeconds: index * 15,
      text: `Line ${index}.`
    }))
  });

  /** Uploads a scripted six-hour video through the server's own upload code; its `File` once ACTIVE. */
  async function uploadScripted(fake: FakeGemini, videoScript = script()) {
    fake.enqueueFiles({ pollsBeforeDone: 0, durationSeconds: SIX_HOURS, script: videoScript });
    const target = {
      apiKey: API_KEY,
      baseUrl: FAKE_GEMINI_BASE_URL,
      fetch: (input: RequestInfo | URL, init?: RequestInit) => fake.handle(new Request(input, init))
    };
    const uploadUrl = await startUpload(target, { mimeType: "video/mp4", totalBytes: 4, displayName: "podcast" });
    const { file } = await uploadChunk(target, uploadUrl, 0, new Uint8Array([1, 2, 3, 4]), true);
    return client(fake).files.get({ name: file!.name });
  }

  async function transcribe(fake: FakeGemini, fileUri: string, videoMetadata: VideoMetadata, model = "gemini-2.5-flash") {
    const question = {
      model,
      fileUri,
      mimeType: "video/mp4",
      prompt: "Transcribe.",
      videoMetadata,
      responseJsonSchema: responseJsonSchema("transcript")!
    };
    let text = "";
    let last: GenerateContentResponse | undefined;
    for await (const chunk of await client(fake).models.generateContentStream(videoRequest(question))) {
      text += chunk.text ?? "";
      last = chunk;
    }
    return { text, last: last! };
  }

  it("reports a long file's videoDuration once ACTIVE and transcribes only the window asked, in the video's times or the clip's", async () => {
    const fake = new FakeGemini();
    const file = await uploadScripted(fake);
    expect(file).toMatchObject({ state: "ACTIVE", videoMetadata: { videoDuration: "21600s" } });

    const window = await transcribe(fake, file.uri!, { startOffset: "7200s", endOffset: "7245.5s" });
    expect(window.last.candidates?.[0]?.finishReason).toBe("STOP");
    expect(parseStructuredAnswer("transcript", window.text)).toEqual({
      language: "en",
      segments: [
        { start: "2:00:00", speaker: "Alice", text: "Line 480." },
        { start: "2:00:15", speaker: "Bob", text: "Line 481." },
        { start: "2:00:30", speaker: "Alice", text: "Line 482." },
        { start: "2:00:45", speaker: "Bob", text: "Line 483." }
      ]
    });

    fake.scripts.set(file.name!, { ...script(), times: "clip" });
    const clipTimes = await transcribe(fake, file.uri!, { startOffset: "1.5s", endOffset: "31s", fps: 2 });
    expect(parseStructuredAnswer("transcript", clipTimes.text).segments).toEqual([
      { start: "00:13", speaker: "Bob", text: "Line 1." },
      { start: "00:28", speaker: "Alice", text: "Line 2." }
    ]);

    const whole = await transcribe(fake, file.uri!, {});
    expect(parseStructuredAnswer("transcript", whole.text).segments).toHaveLength(SIX_HOURS / 15);
  });

  it("cuts the window asked into chapters of at most ten minutes, in the clip's times", async () => {
    const fake = new FakeGemini();
    const file = await uploadScripted(fake, { ...script(), times: "clip", title: "A podcast" });
    const question = {
      model: "gemini-2.5-flash",
      fileUri: file.uri!,
      mimeType: "video/mp4",
      prompt: "Summarize.",
      videoMetadata: { startOffset: "3600s", endOffset: "4500s" },
      responseJsonSchema: responseJsonSchema("chapters")!
    };
    const answer = await client(fake).models.generateContent(videoRequest(question));
    const chapters = parseStructuredAnswer("chapters", answer.text ?? "");
    expect(chapters).toMatchObject({ title: "A podcast", summary: "Alice, Bob speak." });
    expect(chapters.chapters.map(({ start, end, title }) => ({ start, end, title }))).toEqual([
      { start: "00:00", end: "10:00", title: "Line 240." },
      { start: "10:00", end: "15:00", title: "Line 280." }
    ]);
    expect(chapters.chapters[1]?.summary).toMatch(/^Alice: Line 280\. Bob: Line 281\. .* Bob: Line 299\.$/);
  });

  it("answers a YouTube video's script as text when no transcript schema is asked", async () => {
    const fake = new FakeGemini();
    fake.scripts.set("dQw4w9WgXcQ", { lines: [{ speaker: "Rick", startSeconds: 43, text: "Never gonna give you up." }] });
    const answer = await client(fake).models.generateContent({ model: "gemini-2.5-flash", contents: question() });
    expect(answer.text).toBe("[00:43] Rick: Never gonna give you up.");
  });

  it("counts only the window asked of a long file", async () => {
    const fake = new FakeGemini();
    const file = await uploadScripted(fake);
    const count = (videoMetadata?: VideoMetadata) =>
      client(fake).models.countTokens({
        model: "gemini-2.5-flash",
        contents: [
          {
            role: "user",
            parts: [
              { fileData: { fileUri: file.uri!, mimeType: "video/mp4" }, ...(videoMetadata ? { videoMetadata } : {}) },
              { text: "Q" }
            ]
          }
        ]
      });
    expect((await count({ startOffset: "3600s", endOffset: "3660s", fps: 2 })).totalTokens).toBe(120 * 258 + 60 * 32 + 1);
    expect((await count()).totalTokens).toBe(SIX_HOURS * 258 + SIX_HOURS * 32 + 1);
  });

  it("stops with MAX_TOKENS where the answer passes the model's outputTokenLimit or the request's maxOutputTokens", async () => {
    const fake = new FakeGemini();
    const file = await uploadScripted(fake);
    fake.models.set("gemini-short", { inputTokenLimit: 200_000, outputTokenLimit: 500 });
    const model = await client(fake).models.get({ model: "gemini-short" });
    expect(model).toMatchObject({ inputTokenLimit: 200_000, outputTokenLimit: 500 });

    const cut = await transcribe(fake, file.uri!, { endOffset: "3600s" }, "gemini-short");
    expect(cut.text).toHaveLength(500 * 4);
    expect(() => parseStructuredAnswer("transcript", cut.text)).toThrow(/not complete JSON/);
    const prompt = 3600 * 258 + 3600 * 32 + 3;
    expect(cut.last.candidates?.[0]?.finishReason).toBe("MAX_TOKENS");
    expect(cut.last.usageMetadata).toMatchObject({
      promptTokenCount: prompt,
      candidatesTokenCount: 500,
      totalTokenCount: prompt + 500 + DEFAULT_THOUGHTS_TOKENS,
      candidatesTokensDetails: [{ modality: "TEXT", tokenCount: 500 }]
    });

    fake.enqueue({ kind: "answer", chunks: ["x".repeat(100), "y".repeat(100)] });
    const asked = await client(fake).models.generateContent({
      model: "gemini-short",
      contents: question(),
      config: { maxOutputTokens: 30 }
    });
    expect(asked.text).toBe(`${"x".repeat(100)}${"y".repeat(20)}`);
    expect(asked.candidates?.[0]?.finishReason).toBe("MAX_TOKENS");
    expect(asked.usageMetadata?.candidatesTokenCount).toBe(30);
  });

  it("takes time proportional to the output tokens at tokensPerSecond, and none when unset", async () => {
    const fake = new FakeGemini();
    const answer: GenerateBehavior = { kind: "answer", chunks: ["a".repeat(2000), "b".repeat(2000)] };
    const timed = async (stream: boolean) => {
      fake.enqueue(answer);
      const started = Date.now();
      if (stream) {
        for await (const chunk of await client(fake).models.generateContentStream({
          model: "gemini-2.5-flash",
          contents: question()
        }))
          expect(chunk).toBeDefined();
      } else await client(fake).models.generateContent({ model: "gemini-2.5-flash", contents: question() });
      return Date.now() - started;
    };
    expect(await timed(true)).toBeLessThan(400);
    fake.tokensPerSecond = 2500;
    expect(await timed(true)).toBeGreaterThanOrEqual(400);
    expect(await timed(false)).toBeGreaterThanOrEqual(400);
  });

  it("fails the windows a test names (failWindow), as 503s Google's SDK reads as ApiError, then answers them", async () => {
    const fake = new FakeGemini();
    const file = await uploadScripted(fake);
    fake.failWindow(3600, geminiErrors.overloaded());
    const failed = await transcribe(fake, file.uri!, { startOffset: "3600s", endOffset: "3700s" }).catch(
      (error: unknown) => error
    );
    expect(failed).toBeInstanceOf(ApiError);
    expect((failed as ApiError).status).toBe(503);
    // Another window is not affected, and the named one answers next time.
    expect((await transcribe(fake, file.uri!, { startOffset: "0s", endOffset: "30s" })).text).toContain("Line 0.");
    expect((await transcribe(fake, file.uri!, { startOffset: "3600s", endOffset: "3630s" })).text).toContain("Line 240.");
  });

  it("answers a question with no video while it knows a scripted one: chapters given as JSON joined, text lines that start with a time kept", async () => {
    const fake = new FakeGemini();
    await uploadScripted(fake);
    const given = (title: string, start: string, end: string) =>
      JSON.stringify({ title: "T", summary: `S ${title}.`, chapters: [{ start, end, title, summary: "s" }] });
    const chapters = await client(fake).models.generateContent({
      model: "gemini-2.5-flash",
      contents: [
        {
          role: "user",
          parts: [
            {
              text: [
                "Merge these.",
                given("A", "00:00", "10:00"),
                given("A", "10:00", "20:00"),
                given("B", "20:00", "30:00")
              ].join("\n\n")
            }
          ]
        }
      ],
      config: { responseMimeType: "application/json", responseJsonSchema: responseJsonSchema("chapters") }
    });
    expect(parseStructuredAnswer("chapters", chapters.text!)).toEqual({
      title: "T",
      summary: "Over 3 parts: S A. S A. S B.",
      chapters: [
        { start: "00:00", end: "20:00", title: "A", summary: "s" },
        { start: "20:00", end: "30:00", title: "B", summary: "s" }
      ]
    });
    expect(chapters.usageMetadata?.promptTokensDetails).toEqual([{ modality: "TEXT", tokenCount: expect.any(Number) }]);
    const text = await client(fake).models.generateContent({
      model: "gemini-2.5-flash",
      contents: [
        {
          role: "user",
          parts: [{ text: "Write one answer.\n\nPart 1 (00:00 to 10:00):\n[00:05] Alice: Hi.\n[1:00:00] Bob: Bye." }]
        }
      ]
    });
    expect(text.text).toBe("[00:05] Alice: Hi.\n[1:00:00] Bob: Bye.");
  });
});
