import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { useFakes } from "./support/fetch-spy";
import { openIdleSession, sessionStub } from "./support/http";
import { callTool, snapshotOf } from "./support/session-calls";

const fakes = useFakes();
const YOUTUBE_URL = "https://youtu.be/dQw4w9WgXcQ";

/** A finished job of a new session, its stored `usage` column then set to `stored` as an older version wrote it. */
async function jobWithStoredUsage(stored: unknown): Promise<{ sessionId: string; jobId: string }> {
  const sessionId = await openIdleSession();
  const { jobId } = snapshotOf(await callTool(sessionId, "analyzeRemoteVideo", { videoUrl: YOUTUBE_URL }));
  await runInDurableObject(sessionStub(sessionId), (_instance, state) => {
    state.storage.sql.exec("UPDATE jobs SET usage = ? WHERE id = ?", JSON.stringify(stored), jobId);
  });
  return { sessionId, jobId };
}

describe("usage of jobs stored by earlier versions (Gemini's usageMetadata as it came)", () => {
  it("maps the three counts of the old shape", async () => {
    const { sessionId, jobId } = await jobWithStoredUsage({
      promptTokenCount: 1000,
      candidatesTokenCount: 40,
      totalTokenCount: 1040
    });
    const snapshot = snapshotOf(await callTool(sessionId, "getVideoAnalysis", { jobId }));
    expect(snapshot.usage).toEqual({
      inputTokens: 1000,
      cachedInputTokens: 0,
      outputTokens: 40,
      thinkingTokens: 0,
      totalTokens: 1040
    });
  });

  it("maps a full usageMetadata and leaves out what is not ours (trafficType, tool counts, unknown fields)", async () => {
    const { sessionId, jobId } = await jobWithStoredUsage({
      promptTokenCount: 18_520,
      candidatesTokenCount: 310,
      thoughtsTokenCount: 512,
      cachedContentTokenCount: 12_000,
      toolUsePromptTokenCount: 7,
      totalTokenCount: 19_349,
      promptTokensDetails: [
        { modality: "VIDEO", tokenCount: 15_480 },
        { modality: "AUDIO", tokenCount: 1_920 },
        { modality: "TEXT", tokenCount: 1_120 }
      ],
      candidatesTokensDetails: [{ modality: "TEXT", tokenCount: 310 }],
      cacheTokensDetails: [{ modality: "VIDEO", tokenCount: 12_000 }],
      toolUsePromptTokensDetails: [{ modality: "TEXT", tokenCount: 7 }],
      trafficType: "ON_DEMAND",
      someFutureField: { nested: true }
    });
    for (const result of [
      await callTool(sessionId, "getVideoAnalysis", { jobId }),
      await callTool(sessionId, "listVideoAnalyses", {})
    ]) {
      const usage = {
        inputTokens: 18_520,
        cachedInputTokens: 12_000,
        outputTokens: 310,
        thinkingTokens: 512,
        totalTokens: 19_349,
        inputByModality: { video: 15_480, audio: 1_920, text: 1_120 }
      };
      const snapshot =
        (result.structuredContent!.jobs as Record<string, unknown>[] | undefined)?.[0] ?? result.structuredContent!;
      expect(snapshot).toMatchObject({ usage, result: { usage } });
    }
  });

  it.each([
    ["a count that is not a number", { promptTokenCount: "many", totalTokenCount: -3 }, { inputTokens: 0, totalTokens: 0 }],
    [
      "an unknown modality",
      {
        promptTokensDetails: [
          { modality: "SMELL", tokenCount: 5 },
          { modality: "MODALITY_UNSPECIFIED", tokenCount: 2 }
        ]
      },
      { inputByModality: { text: 2 } }
    ],
    [
      "our own shape with a stray field",
      { inputTokens: 5, outputTokens: 1, totalTokens: 6, extra: "x", inputByModality: { video: 4, smell: 1 } },
      { inputTokens: 5, inputByModality: { video: 4 } }
    ]
  ])("reads %s within the schema", async (_name, stored, expected) => {
    const { sessionId, jobId } = await jobWithStoredUsage(stored);
    const snapshot = snapshotOf(await callTool(sessionId, "getVideoAnalysis", { jobId }));
    expect(snapshot.usage).toMatchObject(expected);
  });

  it("answers without usage when the stored value is not an object", async () => {
    const { sessionId, jobId } = await jobWithStoredUsage("1040 tokens");
    const snapshot = snapshotOf(await callTool(sessionId, "getVideoAnalysis", { jobId }));
    expect(snapshot).not.toHaveProperty("usage");
    expect(fakes.gemini.generateRequests()).toHaveLength(1);
  });
});
