/**
 * Every job ends on Gemini's side too: a streamed answer that stalls or runs
 * too long, and an upload request Gemini never answers, fail in bounded time.
 */
import { describe, expect, it } from "vitest";
import { AnswerStalledError, askGeminiAboutVideo } from "../../src/gemini/analyze";
import { createGeminiClient } from "../../src/gemini/client";
import { describeGeminiError } from "../../src/gemini/errors";
import { GeminiTimeoutError, retryDelayMs } from "../../src/gemini/retry";
import { uploadChunk } from "../../src/gemini/upload";
import { FAKE_GEMINI_BASE_URL } from "../constants";
import { useFakeGemini } from "./support/fetch-spy";

const fake = useFakeGemini();
const ai = () => createGeminiClient({ apiKey: "test-key", baseUrl: FAKE_GEMINI_BASE_URL, model: "gemini-test-flash" });
const question = {
  model: "gemini-test-flash",
  fileUri: "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
  mimeType: "video/mp4",
  prompt: "What happens?"
};

describe("a streamed answer", () => {
  it("that stalls fails once nothing came for idleMs, and says what to do", async () => {
    fake.enqueue({ kind: "answer", chunks: ["a first piece ", "then nothing for a long time"], chunkDelayMs: 5_000 });
    const startedAt = Date.now();
    const answer = askGeminiAboutVideo(ai(), question, { stallLimits: { idleMs: 300, totalMs: 60_000 } });
    await expect(answer).rejects.toBeInstanceOf(AnswerStalledError);
    await expect(answer).rejects.toThrow(/^Gemini sent nothing for 0 s while answering/);
    expect(Date.now() - startedAt).toBeLessThan(3_000);
  });

  it("that keeps trickling fails once it runs past totalMs", async () => {
    fake.enqueue({ kind: "answer", chunks: Array.from({ length: 100 }, (_, i) => `piece ${i} `), chunkDelayMs: 50 });
    const startedAt = Date.now();
    const answer = askGeminiAboutVideo(ai(), question, { stallLimits: { idleMs: 1_000, totalMs: 600 } });
    await expect(answer).rejects.toThrow(/^Gemini's answer took longer than 1 s/);
    expect(Date.now() - startedAt).toBeLessThan(3_000);
  });

  it("that flows within the limits is answered in full", async () => {
    fake.enqueue({ kind: "answer", chunks: ["one ", "two ", "three"], chunkDelayMs: 50 });
    const answer = await askGeminiAboutVideo(ai(), question, { stallLimits: { idleMs: 1_000, totalMs: 5_000 } });
    expect(answer.text).toBe("one two three");
  });
});

describe("an upload request Gemini never answers", () => {
  it("fails with GeminiTimeoutError after the request timeout, retried like a 5xx, explained", async () => {
    const neverAnswers = () => new Promise<Response>(() => {});
    const target = { apiKey: "k", baseUrl: FAKE_GEMINI_BASE_URL, fetch: neverAnswers, requestTimeoutMs: 200 };
    const startedAt = Date.now();
    const sent = uploadChunk(target, `${FAKE_GEMINI_BASE_URL}/upload/v1beta/files?upload_id=u1`, 0, new Uint8Array(16), false);
    await expect(sent).rejects.toBeInstanceOf(GeminiTimeoutError);
    expect(Date.now() - startedAt).toBeLessThan(2_000);
    const error = await sent.catch((failure: unknown) => failure);
    expect(retryDelayMs(error, 1)).toBe(1_000);
    expect(describeGeminiError(error)).toBe("Uploading bytes 0-16: Gemini did not answer within 0 s.");
  });
});
