import { describe, expect, it } from "vitest";
import { DEFAULT_THOUGHTS_TOKENS, geminiErrors, type GenerateBehavior } from "../support/fake-gemini";
import { useFakes } from "./support/fetch-spy";
import { openIdleSession } from "./support/http";
import { callTool } from "./support/session-calls";

const fakes = useFakes();
const YOUTUBE_URL = "https://youtu.be/dQw4w9WgXcQ";
const MiB = 1024 * 1024;

function sentBody(): { contents: { parts: { text?: string }[] }[]; generationConfig?: Record<string, unknown> } {
  const requests = fakes.gemini.generateRequests();
  expect(requests).toHaveLength(1);
  return requests[0]!.body as { contents: { parts: { text?: string }[] }[]; generationConfig?: Record<string, unknown> };
}

const CHAPTERS = {
  title: "Cats and dogs",
  summary: "A cat meets a dog.",
  chapters: [
    { start: "00:00", end: "00:30", title: "The cat", summary: "A cat sleeps." },
    { start: "00:30", end: "01:10", title: "The dog", summary: "A dog arrives." }
  ]
};

const TRANSCRIPT = {
  language: "en",
  segments: [
    { start: "00:01", speaker: "Speaker 1", text: "Hello there." },
    { start: "00:04", speaker: "Speaker 2", text: "Hi!" }
  ]
};

/** Gemini's JSON streamed in two pieces, as it does. */
function jsonAnswer(value: unknown): GenerateBehavior {
  const text = JSON.stringify(value);
  return { kind: "answer", chunks: [text.slice(0, 20), text.slice(20)] };
}

describe("summarizeVideo", () => {
  it("asks for JSON following the chapters schema and returns it as structured content and text", async () => {
    fakes.gemini.enqueue(jsonAnswer(CHAPTERS));
    const result = await callTool(await openIdleSession(), "summarizeVideo", {
      videoUrl: YOUTUBE_URL,
      maxChapters: 5,
      focus: "the animals"
    });
    expect(result.isError).toBeUndefined();
    const body = sentBody();
    expect(body.generationConfig).toEqual({
      responseMimeType: "application/json",
      responseJsonSchema: {
        type: "object",
        properties: {
          title: { type: "string", description: "A short title for the whole video." },
          summary: expect.objectContaining({ type: "string" }),
          chapters: expect.objectContaining({
            type: "array",
            items: expect.objectContaining({ type: "object", required: ["start", "end", "title", "summary"] })
          })
        },
        required: ["title", "summary", "chapters"],
        additionalProperties: false
      }
    });
    expect(body.contents[0]!.parts[1]!.text).toMatch(/chapters .*at most 5.*Pay particular attention to: the animals/);
    // The fake's YouTube video is 213 s long; gemini-test-flash counts at Gemini 2.5's rates.
    expect(result.structuredContent).toMatchObject({
      ...CHAPTERS,
      model: "gemini-test-flash",
      usage: { inputByModality: { video: 213 * 258, audio: 213 * 32 }, thinkingTokens: DEFAULT_THOUGHTS_TOKENS }
    });
    expect(result.content[0]?.text).toBe(
      "# Cats and dogs\n\nA cat meets a dog.\n\n00:00-00:30 The cat: A cat sleeps.\n00:30-01:10 The dog: A dog arrives."
    );
  });

  it("passes the clip and resolution options with the schema", async () => {
    fakes.gemini.enqueue(jsonAnswer(CHAPTERS));
    await callTool(await openIdleSession(), "summarizeVideo", {
      videoUrl: YOUTUBE_URL,
      endOffset: "5:00",
      mediaResolution: "medium"
    });
    const body = sentBody() as unknown as {
      contents: { parts: { videoMetadata?: unknown }[] }[];
      generationConfig: Record<string, unknown>;
    };
    expect(body.contents[0]!.parts[0]!.videoMetadata).toEqual({ endOffset: "300s" });
    expect(body.generationConfig).toMatchObject({
      mediaResolution: "MEDIA_RESOLUTION_MEDIUM",
      responseMimeType: "application/json"
    });
  });

  it.each([
    [
      "JSON that misses a field",
      { title: "t", summary: "s" },
      /Gemini's chapters answer did not follow the schema at chapters: .*Try again\./
    ],
    ["a wrong type", { ...CHAPTERS, chapters: "none" }, /did not follow the schema at chapters/]
  ])("fails clearly on %s", async (_name, answer, expected) => {
    fakes.gemini.enqueue(jsonAnswer(answer));
    const result = await callTool(await openIdleSession(), "summarizeVideo", { videoUrl: YOUTUBE_URL });
    expect(result.isError).toBe(true);
    expect(result.content[0]?.text).toMatch(expected);
  });

  it("says to raise maxOutputTokens when the JSON was cut short", async () => {
    fakes.gemini.enqueue({ kind: "answer", chunks: ['{"title": "t", "summ'], finishReason: "MAX_TOKENS" });
    const result = await callTool(await openIdleSession(), "summarizeVideo", { videoUrl: YOUTUBE_URL, maxOutputTokens: 100 });
    expect(result.isError).toBe(true);
    expect(result.content[0]?.text).toMatch(
      /reached the maxOutputTokens of 100 before finishing the answer \(finish reason MAX_TOKENS\)\. Raise maxOutputTokens/
    );
  });
});

describe("transcribeVideo", () => {
  it("asks for the transcript schema in the language asked and renders speakers and times", async () => {
    fakes.gemini.enqueue(jsonAnswer(TRANSCRIPT));
    const result = await callTool(await openIdleSession(), "transcribeVideo", { videoUrl: YOUTUBE_URL, language: "English" });
    expect(result.isError).toBeUndefined();
    const body = sentBody();
    expect(body.generationConfig).toMatchObject({
      responseMimeType: "application/json",
      responseJsonSchema: { type: "object", required: ["language", "segments"] }
    });
    expect(body.contents[0]!.parts[1]!.text).toMatch(/verbatim, written in English .*Speaker 1, Speaker 2.*start time as MM:SS/);
    expect(result.structuredContent).toMatchObject(TRANSCRIPT);
    expect(result.content[0]?.text).toBe("[00:01] Speaker 1: Hello there.\n[00:04] Speaker 2: Hi!");
  });

  it("leaves out times when timestamps is false, and says when nobody speaks", async () => {
    fakes.gemini.enqueue(jsonAnswer({ language: "en", segments: [] }));
    const result = await callTool(await openIdleSession(), "transcribeVideo", { videoUrl: YOUTUBE_URL, timestamps: false });
    expect(sentBody().contents[0]!.parts[1]!.text).toMatch(/Leave out start times\./);
    expect(result.content[0]?.text).toBe("No speech found in the video.");
    expect(result.structuredContent).toMatchObject({ language: "en", segments: [] });
  });

  it("works on an uploaded video, reusing it for a follow-up transcript", async () => {
    const videoUrl = fakes.videos.add("/speech.mp4", { size: MiB });
    const sessionId = await openIdleSession();
    fakes.gemini.enqueue(jsonAnswer(TRANSCRIPT), jsonAnswer(TRANSCRIPT));
    expect((await callTool(sessionId, "transcribeVideo", { videoUrl })).isError).toBeUndefined();
    const again = await callTool(sessionId, "transcribeVideo", { videoUrl, language: "ja" });
    expect(again.structuredContent).toMatchObject({ reusedUpload: true });
    expect(fakes.gemini.uploads.size).toBe(1);
  });
});

describe("Gemini's refusals and failures, explained", () => {
  it.each([
    [
      "SAFETY",
      /stopped because its safety filters stopped the answer \(finish reason SAFETY\)\. Rephrase the prompt, or analyse another part/
    ],
    ["RECITATION", /too close to copyrighted material \(recitation\).*in your own words/],
    ["PROHIBITED_CONTENT", /flagged as prohibited content \(finish reason PROHIBITED_CONTENT\)\. This video cannot be analysed/],
    [
      "MAX_TOKENS",
      /reached the model's output limit before finishing the answer \(finish reason MAX_TOKENS\)\. Raise maxOutputTokens/
    ]
  ])("an answer stopped for %s with no text", async (finishReason, expected) => {
    fakes.gemini.enqueue({ kind: "stopped", finishReason });
    const result = await callTool(await openIdleSession(), "analyzeRemoteVideo", { videoUrl: YOUTUBE_URL });
    expect(result.isError).toBe(true);
    expect(result.content[0]?.text).toMatch(expected);
  });

  it("returns a text answer cut at maxOutputTokens with a note saying so", async () => {
    fakes.gemini.enqueue({ kind: "answer", chunks: ["The video shows a c"], finishReason: "MAX_TOKENS" });
    const result = await callTool(await openIdleSession(), "analyzeRemoteVideo", { videoUrl: YOUTUBE_URL, maxOutputTokens: 8 });
    expect(result.isError).toBeUndefined();
    expect(result.content.map((item) => item.text)).toEqual([
      "The video shows a c",
      "Note: the answer may be incomplete. Gemini reached the maxOutputTokens of 8 before finishing the answer (finish reason MAX_TOKENS). Raise maxOutputTokens, ask for a shorter answer, or analyse a clip (startOffset/endOffset)."
    ]);
    expect(result.structuredContent).toMatchObject({
      finishReason: "MAX_TOKENS",
      result: { note: expect.stringMatching(/^Note: /) }
    });
  });

  it.each([
    [
      "a video Gemini cannot read (400)",
      {
        httpStatus: 400,
        status: "INVALID_ARGUMENT",
        message: "Request contains an invalid argument: the video file is not supported."
      },
      /Gemini API error 400 \(INVALID_ARGUMENT: .*\)\. Gemini could not read the video: check that it is a public, playable video/
    ],
    [
      "a bad argument (400)",
      { httpStatus: 400, status: "INVALID_ARGUMENT", message: "Invalid value at 'generation_config.max_output_tokens'." },
      /Check the arguments \(model, startOffset\/endOffset, fps, mediaResolution, maxOutputTokens\)\./
    ],
    [
      "a private or age-restricted video or a bad key (403)",
      { httpStatus: 403, status: "PERMISSION_DENIED", message: "The caller does not have permission" },
      /Gemini API error 403 .*Check GOOGLE_API_KEY .*and that the video is public \(not private or age-restricted\)\./
    ],
    [
      "an expired upload (404)",
      { httpStatus: 404, status: "NOT_FOUND", message: "File files/abc is not found." },
      /files expire after 48 hours\): ask again with the video URL to upload it anew\./
    ],
    [
      "a quota with a retry delay too long to wait for (429)",
      geminiErrors.quotaExceeded("3600s"),
      /Gemini API error 429 \(RESOURCE_EXHAUSTED: You exceeded your current quota, .*\)\. The Gemini quota or rate limit was reached: retry in 3600 s/
    ]
  ])("%s", async (_name, error, expected) => {
    fakes.gemini.enqueue({ kind: "error", ...error });
    const result = await callTool(await openIdleSession(), "analyzeRemoteVideo", { videoUrl: YOUTUBE_URL });
    expect(result.isError).toBe(true);
    expect(result.content[0]?.text).toMatch(expected);
  });
});
