import { describe, expect, it } from "vitest";
import { geminiErrors, type CountTokensBehavior } from "../support/fake-gemini";
import { useFakes } from "./support/fetch-spy";
import { openIdleSession, openSession } from "./support/http";
import { callTool, withAlarms, snapshotOf, type ToolResult } from "./support/session-calls";

const fakes = useFakes();
const MiB = 1024 * 1024;
const YOUTUBE_URL = "https://youtu.be/dQw4w9WgXcQ";
const GEMINI_3_FLASH_LIMIT = 1_048_576;

/** Analyses an uploaded video `durationSeconds` long; the prompt "Q?" is 1 token. */
async function analyseUpload(
  durationSeconds: number,
  args: Record<string, unknown> = {},
  sessionId?: string
): Promise<ToolResult> {
  fakes.gemini.enqueueFiles({ pollsBeforeDone: 0, durationSeconds });
  const videoUrl = fakes.videos.add(`/video-${durationSeconds}-${Math.random()}.mp4`, { size: MiB });
  return callTool(
    sessionId ?? (await openIdleSession()),
    "analyzeRemoteVideo",
    { videoUrl, prompt: "Q?", ...args },
    sessionId ? { progressToken: "p" } : undefined
  );
}

/** Runs `call` on a session with a stream open, and returns its result and every progress message. */
async function withProgress(
  call: (sessionId: string) => Promise<ToolResult>
): Promise<{ result: ToolResult; messages: string[] }> {
  const opened = await openSession();
  const result = call(opened.sessionId);
  const messages: string[] = [];
  for (;;) {
    const { params } = (await opened.sse.nextMessage(10_000)) as { params: { message: string } };
    messages.push(params.message);
    if (params.message === "done" || params.message === "failed") break;
  }
  await opened.sse.cancel();
  return { result: await result, messages };
}

describe("input tokens counted by Gemini before it watches", () => {
  it("counts the exact request with countTokens (contents, videoMetadata, generationConfig) and reports Gemini's figure", async () => {
    fakes.gemini.enqueueCountTokens({ kind: "count", totalTokens: 123_456 });
    const { result, messages } = await withProgress((sessionId) =>
      analyseUpload(600, { startOffset: 30, endOffset: "9:30", fps: 2, mediaResolution: "low", maxOutputTokens: 4096 }, sessionId)
    );
    const [counted] = fakes.gemini.countTokensRequests();
    const [generated] = fakes.gemini.generateRequests();
    const sent = generated!.body as { contents: unknown; generationConfig: unknown };
    expect(sent).toMatchObject({
      contents: [{ parts: [{ videoMetadata: { startOffset: "30s", endOffset: "570s", fps: 2 } }, { text: "Q?" }] }],
      generationConfig: { mediaResolution: "MEDIA_RESOLUTION_LOW", maxOutputTokens: 4096 }
    });
    expect(counted!.path).toBe("/v1beta/models/gemini-test-flash:countTokens");
    expect(counted!.body).toEqual({
      generateContentRequest: {
        model: "models/gemini-test-flash",
        contents: sent.contents,
        generationConfig: sent.generationConfig
      }
    });
    expect(result.structuredContent).toMatchObject({
      status: "done",
      durationSeconds: 600,
      countedInputTokens: 123_456,
      // 540 s of the clip x 2 fps x 66 tokens + 540 s x 32 audio tokens + 1 token of prompt.
      estimatedInputTokens: 1080 * 66 + 540 * 32 + 1,
      tokenCountSource: "countTokens",
      inputTokenLimit: 1_048_576
    });
    expect(result.structuredContent).not.toHaveProperty("tokenCountError");
    expect(messages).toContain("counting the video's input tokens");
    expect(messages).toContain("Gemini is watching the video (123,456 input tokens, counted by Gemini)");
  });

  it("counts what Gemini then bills: the count matches the answer's usage", async () => {
    const result = await callTool(await openIdleSession(), "analyzeRemoteVideo", { videoUrl: YOUTUBE_URL, prompt: "Q?" });
    // The fake's YouTube video is 213 s; gemini-test-flash counts at Gemini 2.5's rates.
    const tokens = 213 * 258 + 213 * 32 + 1;
    expect(result.structuredContent).toMatchObject({
      countedInputTokens: tokens,
      tokenCountSource: "countTokens",
      usage: { inputTokens: tokens }
    });
    expect(result.structuredContent).not.toHaveProperty("estimatedInputTokens");
    expect(fakes.gemini.countTokensRequests()[0]?.body).toMatchObject({
      generateContentRequest: {
        contents: [{ parts: [{ fileData: { fileUri: "https://www.youtube.com/watch?v=dQw4w9WgXcQ" } }, { text: "Q?" }] }]
      }
    });
  });

  it.each<[string, CountTokensBehavior, RegExp]>([
    ["a 500", geminiErrors.internal(), /^Gemini API error 500 \(INTERNAL: An internal error/],
    [
      "a 400",
      geminiErrors.invalidArgument("generate_content_request.contents", "Invalid content."),
      /^Gemini API error 400 \(INVALID_ARGUMENT: Invalid content\.\)/
    ],
    ["a 429", geminiErrors.quotaExceeded("30s"), /^Gemini API error 429 \(RESOURCE_EXHAUSTED/],
    ["an answer without a count", { kind: "count", totalTokens: 0 }, /countTokens answered without a token count/]
  ])("falls back to the published rates when countTokens fails with %s, and says so", async (_name, failure, expected) => {
    fakes.gemini.enqueueCountTokens(failure);
    const { result, messages } = await withProgress((sessionId) => analyseUpload(600, {}, sessionId));
    const estimate = 600 * 258 + 600 * 32 + 1;
    expect(result.structuredContent).toMatchObject({
      status: "done",
      estimatedInputTokens: estimate,
      tokenCountSource: "estimate"
    });
    expect(result.structuredContent).not.toHaveProperty("countedInputTokens");
    expect(result.structuredContent!.tokenCountError).toMatch(expected);
    expect(messages).toContain(
      "Gemini is watching the video (about 174,001 input tokens at Gemini 2.5 rates; Gemini could not count them)"
    );
    expect(fakes.gemini.generateRequests()).toHaveLength(1);
  });

  it.each([
    ["gemini-3-flash-preview", undefined, 70],
    ["gemini-3-flash-preview", "low", 70],
    ["gemini-3-flash-preview", "high", 280],
    ["gemini-flash-latest", "medium", 70],
    ["gemini-3.1-pro-preview", "high", 280],
    ["gemini-2.5-flash-lite", undefined, 258],
    ["gemini-2.5-flash-lite", "high", 258],
    ["gemini-2.5-flash-lite", "low", 66]
  ])("estimates %s at %s resolution at %i tokens a frame", async (model, mediaResolution, perFrame) => {
    fakes.gemini.enqueueCountTokens(geminiErrors.overloaded());
    const result = await analyseUpload(600, { model, ...(mediaResolution ? { mediaResolution } : {}) });
    expect(result.structuredContent).toMatchObject({
      estimatedInputTokens: 600 * perFrame + 600 * 32 + 1,
      tokenCountSource: "estimate"
    });
  });

  it("counts only the clip", async () => {
    const result = await analyseUpload(3600, { startOffset: "10:00", endOffset: "11:00" });
    expect(result.structuredContent).toMatchObject({
      durationSeconds: 3600,
      countedInputTokens: 60 * 258 + 60 * 32 + 1,
      estimatedInputTokens: 60 * 258 + 60 * 32 + 1
    });
  });
});

describe("the model's input limit", () => {
  it.each<[string, CountTokensBehavior[]]>([
    ["counted", []],
    ["estimated", [geminiErrors.internal()]]
  ])(
    "lets a 70-minute video at default settings through on gemini-flash-latest (about 430 k tokens, %s)",
    async (_how, countTokens) => {
      fakes.gemini.enqueueCountTokens(...countTokens);
      const result = await analyseUpload(70 * 60, { model: "gemini-flash-latest" });
      const tokens = 4200 * 70 + 4200 * 32 + 1;
      expect(result.isError).toBeUndefined();
      expect(result.structuredContent).toMatchObject({
        status: "done",
        estimatedInputTokens: tokens,
        inputTokenLimit: GEMINI_3_FLASH_LIMIT
      });
      expect(result.structuredContent!.countedInputTokens ?? result.structuredContent!.estimatedInputTokens).toBe(tokens);
    }
  );

  // 60 s at Gemini 2.5's rates (258 a frame, 32 audio a second) and the prompt "Q?" (1 token).
  const EXACT = 60 * 258 + 60 * 32 + 1;
  it.each<[string, CountTokensBehavior[], string]>([
    ["counted", [], "17,402 input tokens (Gemini's count)"],
    ["estimated", [geminiErrors.internal(), geminiErrors.internal()], "about 17,402 input tokens (at Gemini 2.5 rates)"]
  ])(
    "lets a request of exactly inputTokenLimit tokens through, prompt included, and refuses one more (%s)",
    async (_how, countTokens, needs) => {
      fakes.gemini.models.set("gemini-exact", EXACT);
      fakes.gemini.enqueueCountTokens(...countTokens);
      const fits = await analyseUpload(60, { model: "gemini-exact" });
      expect(fits.isError).toBeUndefined();
      expect(fits.structuredContent!.countedInputTokens ?? fits.structuredContent!.estimatedInputTokens).toBe(EXACT);
      expect(fits.structuredContent).toMatchObject({ status: "done", inputTokenLimit: EXACT });
      // "Q? Q?" is 2 tokens: one more than fits.
      const over = await analyseUpload(60, { model: "gemini-exact", prompt: "Q? Q?" });
      expect(over.isError).toBe(true);
      expect(over.content[0]?.text).toBe(
        `This 01:00 video needs ${needs} at 1 fps and default resolution, more than the 17,401 that gemini-exact accepts. It would fit with mediaResolution "low" (about 5,882 tokens); or fps 0.98 or lower; or a clip of at most 00:59 (startOffset/endOffset).`
      );
      expect(fakes.gemini.generateRequests()).toHaveLength(1);
    }
  );

  // Issue 24: a video over the model's input limit is cut into segments that each fit, where it used to be refused.
  it("cuts a video over the input limit into segments that each fit, counting the longest, instead of refusing it", async () => {
    const result = await analyseUpload(70 * 60, { model: "gemini-3-flash-preview", mediaResolution: "high", fps: 4 });
    expect(result.isError).toBeUndefined();
    const { plan, countedInputTokens } = result.structuredContent as {
      plan: { segmentCount: number; estimatedInputTokens: number };
      countedInputTokens: number;
    };
    // The whole (4,838,401 tokens at these settings) needs at least 10 segments of half the context.
    expect(plan.segmentCount).toBeGreaterThanOrEqual(10);
    expect(plan.estimatedInputTokens).toBeGreaterThan(4_838_401);
    expect(countedInputTokens).toBeLessThanOrEqual(1_048_576 / 2);
    // One request a segment, then the merging call.
    expect(fakes.gemini.generateRequests()).toHaveLength(plan.segmentCount + 1);
  });

  it("records the longest segment's count and the plan's whole estimate on the job", async () => {
    fakes.gemini.enqueueFiles({ pollsBeforeDone: 0, durationSeconds: 3 * 3600 });
    const sessionId = await openIdleSession();
    const videoUrl = fakes.videos.add("/three-hours.mp4", { size: MiB });
    const { jobId } = snapshotOf(
      await callTool(sessionId, "startVideoAnalysis", { videoUrl, prompt: "Q?", model: "gemini-2.5-flash-lite" })
    );
    const done = snapshotOf(await withAlarms(sessionId, callTool(sessionId, "getVideoAnalysis", { jobId, waitSeconds: 20 })));
    // Six segments of 30 minutes (half of 1,048,576 tokens at 290 a second); the longest has the 10 s overlap,
    // and its prompt says which part of the video it sees (62 tokens in all).
    expect(done).toMatchObject({
      status: "done",
      countedInputTokens: 1_810 * 290 + 62,
      tokenCountSource: "countTokens",
      inputTokenLimit: 1_048_576,
      plan: { segmentCount: 6, estimatedInputTokens: (10_800 + 5 * 10) * 290 + 6 }
    });
  });

  it("refuses a video whose shortest segment still does not fit, naming what would fit for that model", async () => {
    fakes.gemini.models.set("gemini-small", 10_000);
    const result = await analyseUpload(3600, { model: "gemini-small" });
    expect(result.isError).toBe(true);
    expect(result.content[0]?.text).toBe(
      'This 01:10 clip of a 1:00:00 video needs 20,362 input tokens (Gemini\'s count) at 1 fps and default resolution, more than the 10,000 that gemini-small accepts. It would fit with mediaResolution "low" (about 6,882 tokens); or fps 0.41 or lower; or a clip of at most 00:34 (startOffset/endOffset).'
    );
    expect(fakes.gemini.generateRequests()).toHaveLength(0);
    // The processed file stays for a retry with settings that fit.
    await expect.poll(() => [...fakes.gemini.files.values()][0]?.deleted).toBe(false);
  });

  // Issue 24: a YouTube link over the limit is cut into segments by the length Gemini's count implies, where it was refused.
  it("counts a YouTube link too, and cuts one that does not fit into segments that do", async () => {
    fakes.gemini.youTubeVideos.set("dQw4w9WgXcQ", 7200);
    fakes.gemini.models.set("gemini-youtube-small", 500_000);
    const result = await callTool(await openIdleSession(), "analyzeRemoteVideo", {
      videoUrl: YOUTUBE_URL,
      prompt: "Q?",
      model: "gemini-youtube-small"
    });
    expect(result.isError).toBeUndefined();
    // 2,088,001 tokens counted for the whole; segments of at most half of 500,000 tokens.
    const { plan, countedInputTokens } = result.structuredContent as {
      plan: { segmentCount: number };
      countedInputTokens: number;
    };
    expect(plan.segmentCount).toBe(9);
    expect(countedInputTokens).toBeLessThanOrEqual(250_000);
    const [whole, longest] = fakes.gemini.countTokensRequests();
    expect(JSON.stringify(whole!.body)).not.toContain("videoMetadata");
    expect(JSON.stringify(longest!.body)).toContain("endOffset");
  });

  it("goes on unchecked when a YouTube link cannot be counted (its length is unknown)", async () => {
    fakes.gemini.enqueueCountTokens(geminiErrors.internal());
    const { result, messages } = await withProgress((sessionId) =>
      callTool(sessionId, "analyzeRemoteVideo", { videoUrl: YOUTUBE_URL }, { progressToken: "p" })
    );
    expect(result.structuredContent).toMatchObject({
      status: "done",
      tokenCountError: expect.stringMatching(/^Gemini API error 500/)
    });
    expect(result.structuredContent).not.toHaveProperty("tokenCountSource");
    expect(messages).toContain("Gemini is watching the video (its input tokens could not be counted)");
  });

  it("fails at once, naming the model, when the model does not exist", async () => {
    fakes.gemini.models.set("gemini-nope", null);
    const result = await analyseUpload(60, { model: "gemini-nope" });
    expect(result.isError).toBe(true);
    expect(result.content[0]?.text).toMatch(
      /Gemini API error 404 .*Check the model name \(GEMINI_MODEL or the `model` argument\)/
    );
    expect(fakes.gemini.generateRequests()).toHaveLength(0);
  });
});
