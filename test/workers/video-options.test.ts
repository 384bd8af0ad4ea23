import { describe, expect, it } from "vitest";
import { useFakes } from "./support/fetch-spy";
import { openIdleSession, postJson } from "./support/http";
import { callTool, type ToolResult } from "./support/session-calls";

/** The jobs listVideoAnalyses returned. */
function snapshotsOf(result: ToolResult): unknown[] {
  return (result.structuredContent as { jobs: unknown[] }).jobs;
}

const fakes = useFakes();
const YOUTUBE_URL = "https://youtu.be/dQw4w9WgXcQ";
const CANONICAL = "https://www.youtube.com/watch?v=dQw4w9WgXcQ";

function sentGenerate() {
  const requests = fakes.gemini.generateRequests();
  expect(requests).toHaveLength(1);
  return requests[0]!;
}

/** The video part of the one generate request. */
function videoPart(): Record<string, unknown> {
  return (sentGenerate().body as { contents: { parts: Record<string, unknown>[] }[] }).contents[0]!.parts[0]!;
}

describe("analyzeRemoteVideo options reach Gemini", () => {
  it("maps the clip and fps to videoMetadata, resolution and length to generationConfig, and the model to the path", async () => {
    const result = await callTool(await openIdleSession(), "analyzeRemoteVideo", {
      videoUrl: YOUTUBE_URL,
      prompt: "Who speaks?",
      model: "gemini-3.1-pro-preview",
      startOffset: "1m30s",
      endOffset: "02:00",
      fps: 0.5,
      mediaResolution: "low",
      maxOutputTokens: 2048
    });
    expect(result.isError).toBeUndefined();
    const sent = sentGenerate();
    expect(sent.path).toBe("/v1beta/models/gemini-3.1-pro-preview:streamGenerateContent");
    expect(sent.body).toEqual({
      contents: [
        {
          role: "user",
          parts: [
            {
              fileData: { fileUri: CANONICAL, mimeType: "video/mp4" },
              videoMetadata: { startOffset: "90s", endOffset: "120s", fps: 0.5 }
            },
            { text: "Who speaks?" }
          ]
        }
      ],
      generationConfig: { mediaResolution: "MEDIA_RESOLUTION_LOW", maxOutputTokens: 2048 }
    });
    expect(result.structuredContent).toMatchObject({ model: "gemini-3.1-pro-preview" });
  });

  it("sends no videoMetadata and an empty generationConfig when no option is given", async () => {
    await callTool(await openIdleSession(), "analyzeRemoteVideo", { videoUrl: YOUTUBE_URL, prompt: "Q" });
    expect(sentGenerate().body).toEqual({
      contents: [{ role: "user", parts: [{ fileData: { fileUri: CANONICAL, mimeType: "video/mp4" } }, { text: "Q" }] }],
      generationConfig: {}
    });
  });

  it.each([
    [90, "90s"],
    ["90", "90s"],
    ["90s", "90s"],
    ["1m30s", "90s"],
    ["1h2m3s", "3723s"],
    ["01:30", "90s"],
    ["1:02:03", "3723s"],
    ["12.5s", "12.5s"]
  ])("reads startOffset %j as %s", async (startOffset, expected) => {
    await callTool(await openIdleSession(), "analyzeRemoteVideo", { videoUrl: YOUTUBE_URL, startOffset });
    expect(videoPart().videoMetadata).toEqual({ startOffset: expected });
  });

  it.each([
    ["fps 0", { fps: 0 }, /fps must be greater than 0/],
    ["fps 25", { fps: 25 }, /fps must be at most 24/],
    ["an unknown resolution", { mediaResolution: "ultra" }, /mediaResolution/],
    [
      "a startOffset that is no time",
      { startOffset: "soon" },
      /startOffset must be a time of at most 24 h, such as 90, "90s", "1m30s", "01:30" or "1:02:03"/
    ],
    ["a startOffset of four hundred 9s", { startOffset: "9".repeat(400) }, /startOffset must be a time of at most 24 h/],
    [
      "an endOffset of four hundred 9s in hours",
      { endOffset: `${"9".repeat(400)}h` },
      /endOffset must be a time of at most 24 h/
    ],
    ["a startOffset past 24 h", { startOffset: "24:00:01" }, /startOffset must be at most 24 h \(86400 s\)/],
    ["an endOffset past 24 h in seconds", { endOffset: 86_401 }, /endOffset must be at most 24 h \(86400 s\)/],
    ["an offset of the wrong type", { startOffset: true }, /startOffset must be a finite number of seconds or a time/],
    ["a negative offset", { endOffset: -5 }, /endOffset must not be negative/],
    ["seconds past 59 on a clock", { startOffset: "01:75" }, /startOffset must be a time/],
    [
      "a clip that ends before it starts",
      { startOffset: "02:00", endOffset: 90 },
      /endOffset \(90 s\) must come after startOffset \(120 s\)/
    ],
    ["a model name with a path in it", { model: "../files/x" }, /model must be a Gemini model name/],
    ["maxOutputTokens 0", { maxOutputTokens: 0 }, /maxOutputTokens must be at least 1/],
    ["fractional maxOutputTokens", { maxOutputTokens: 10.5 }, /maxOutputTokens must be a whole number/]
  ])("refuses %s with a clear message and asks Gemini nothing", async (_name, options, expected) => {
    const result = await callTool(await openIdleSession(), "analyzeRemoteVideo", { videoUrl: YOUTUBE_URL, ...options });
    expect(result.isError).toBe(true);
    expect(result.content[0]?.text).toMatch(expected);
    expect(fakes.gemini.requests).toHaveLength(0);
  });

  it.each([
    ["startOffset", "startVideoAnalysis", /startOffset must be a finite number of seconds or a time/],
    ["endOffset", "analyzeRemoteVideo", /endOffset must be a finite number of seconds or a time/],
    ["fps", "analyzeRemoteVideo", /fps must be a finite number/],
    ["maxOutputTokens", "startVideoAnalysis", /maxOutputTokens must be a finite number/]
  ])("refuses %s given as 1e999 (Infinity once parsed) by %s, and starts no job", async (field, tool, expected) => {
    const sessionId = await openIdleSession();
    const response = await postJson(
      "/rpc",
      `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"${tool}","arguments":{"videoUrl":"${YOUTUBE_URL}","${field}":1e999}}}`,
      { "Mcp-Session-Id": sessionId }
    );
    const { result } = (await response.json()) as { result: ToolResult };
    expect(result.isError).toBe(true);
    expect(result.content[0]?.text).toMatch(expected);
    expect(snapshotsOf(await callTool(sessionId, "listVideoAnalyses", {}))).toEqual([]);
    expect(fakes.gemini.requests).toHaveLength(0);
  });

  it.each([
    [{ waitSeconds: -1 }, /waitSeconds must not be negative/],
    [{ waitSeconds: 301 }, /waitSeconds must be at most 300/]
  ])("refuses getVideoAnalysis with %j", async (args, expected) => {
    const result = await callTool(await openIdleSession(), "getVideoAnalysis", { jobId: "x", ...args });
    expect(result.isError).toBe(true);
    expect(result.content[0]?.text).toMatch(expected);
  });

  it("refuses getVideoAnalysis with waitSeconds 1e999", async () => {
    const response = await postJson(
      "/rpc",
      '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"getVideoAnalysis","arguments":{"jobId":"x","waitSeconds":1e999}}}'
    );
    const { result } = (await response.json()) as { result: ToolResult };
    expect(result.isError).toBe(true);
    expect(result.content[0]?.text).toMatch(/waitSeconds must be a finite number/);
  });

  it("applies the same options to startVideoAnalysis", async () => {
    const sessionId = await openIdleSession();
    const started = await callTool(sessionId, "startVideoAnalysis", { videoUrl: YOUTUBE_URL, fps: 2, mediaResolution: "high" });
    const jobId = (started.structuredContent as { jobId: string }).jobId;
    await callTool(sessionId, "getVideoAnalysis", { jobId, waitSeconds: 10 });
    expect(videoPart().videoMetadata).toEqual({ fps: 2 });
    expect(sentGenerate().body).toMatchObject({ generationConfig: { mediaResolution: "MEDIA_RESOLUTION_HIGH" } });
  });
});

describe("YouTube links", () => {
  it.each([
    "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=42s",
    "https://youtu.be/dQw4w9WgXcQ?si=abc",
    "https://m.youtube.com/watch?v=dQw4w9WgXcQ",
    "https://music.youtube.com/watch?v=dQw4w9WgXcQ&list=RDAMVM",
    "https://www.youtube.com/shorts/dQw4w9WgXcQ",
    "https://www.youtube.com/embed/dQw4w9WgXcQ",
    "https://www.youtube.com/live/dQw4w9WgXcQ?feature=share",
    "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"
  ])("sends %s to Gemini as the canonical watch link", async (videoUrl) => {
    await callTool(await openIdleSession(), "analyzeRemoteVideo", { videoUrl });
    expect(videoPart()).toEqual({ fileData: { fileUri: CANONICAL, mimeType: "video/mp4" } });
  });

  it.each([
    ["https://www.youtube.com/playlist?list=PL123", /is a playlist/],
    ["https://www.youtube.com/@SomeChannel", /is a channel/],
    ["https://www.youtube.com/channel/UC123", /is a channel/],
    ["https://www.youtube.com/results?search_query=cats", /is a search/],
    ["https://www.youtube.com/clip/Ugkx123", /clips cannot be read; use the full video's link with startOffset\/endOffset/],
    ["https://youtu.be/short", /"short" is not a YouTube video id/]
  ])("refuses %s, saying what it is", async (videoUrl, expected) => {
    const result = await callTool(await openIdleSession(), "analyzeRemoteVideo", { videoUrl });
    expect(result.isError).toBe(true);
    expect(result.content[0]?.text).toMatch(expected);
    expect(result.content[0]?.text).toMatch(/Gemini reads single public videos/);
    expect(fakes.gemini.requests).toHaveLength(0);
  });
});
