import { describe, expect, it } from "vitest";
import { useFakes } from "./support/fetch-spy";
import { authed, initializeMcpSession, openIdleSession, postJson } from "./support/http";
import { expectValidToolResult } from "./support/output-schemas";
import { callTool, pollJob, snapshotOf, withAlarms } from "./support/session-calls";

const fakes = useFakes();
const MiB = 1024 * 1024;

type GenerateBody = {
  contents: { parts: { fileData?: { fileUri: string }; videoMetadata?: unknown }[] }[];
  cachedContent?: string;
};

/** What each answer was asked about: its own video part, or the one its context cache holds. */
function generatedVideoParts(): { fileData: { fileUri: string }; videoMetadata: unknown }[] {
  return fakes.gemini.generateRequests().map((request) => {
    const body = request.body as GenerateBody;
    const [part] = body.contents[0]!.parts;
    if (part?.fileData) return { fileData: part.fileData, videoMetadata: part.videoMetadata ?? {} };
    const [fileData, videoMetadata] = JSON.parse(fakes.gemini.caches.created.get(body.cachedContent!)!.prompt.videoParts[0]!.key);
    return { fileData, videoMetadata };
  });
}

function generatedFileUris(): string[] {
  return generatedVideoParts().map((part) => part.fileData.fileUri);
}

describe("follow-up questions", () => {
  it("askAboutVideo with a jobId reuses the uploaded file, its clip and fps, without touching the source again", async () => {
    const videoUrl = fakes.videos.add("/talk.mp4", { size: 3 * MiB });
    const sessionId = await openIdleSession();
    const first = snapshotOf(await callTool(sessionId, "analyzeRemoteVideo", { videoUrl, startOffset: 30, fps: 2 }));
    const sourceRequests = fakes.videos.ranges.length;
    fakes.gemini.enqueue({ kind: "answer", chunks: ["It is about cats."] });
    const followUp = await callTool(sessionId, "askAboutVideo", { jobId: first.jobId, question: "What is the talk about?" });
    expect(followUp.isError).toBeUndefined();
    expect(followUp.content[0]?.text).toBe("It is about cats.");
    expect(followUp.structuredContent).toMatchObject({ status: "done", reusedUpload: true, durationSeconds: 60 });
    expect(fakes.gemini.uploads.size).toBe(1);
    expect(fakes.videos.ranges.length).toBe(sourceRequests);
    // The clip and fps carried over, in the video part its context cache holds.
    const [, asked] = fakes.gemini.generateRequests();
    expect(asked?.body).toMatchObject({ contents: [{ parts: [{ text: "What is the talk about?" }] }] });
    expect(generatedVideoParts()[1]?.videoMetadata).toEqual({ startOffset: "30s", fps: 2 });
    const [uri] = [...fakes.gemini.files.values()].map((file) => file.uri);
    expect(generatedFileUris()).toEqual([uri, uri]);
  });

  it("askAboutVideo with the same videoUrl reuses the file when the source is unchanged (same ETag)", async () => {
    const videoUrl = fakes.videos.add("/etag.mp4", { size: 2 * MiB, etag: '"v1"' });
    const sessionId = await openIdleSession();
    await callTool(sessionId, "analyzeRemoteVideo", { videoUrl });
    const answer = await callTool(sessionId, "askAboutVideo", { videoUrl, question: "And then?" });
    expect(answer.structuredContent).toMatchObject({ status: "done", reusedUpload: true });
    expect(fakes.gemini.uploads.size).toBe(1);
  });

  it("uploads again when the source's ETag changed, even at the same size", async () => {
    const videoUrl = fakes.videos.add("/etag2.mp4", { size: 2 * MiB, etag: '"v1"' });
    const sessionId = await openIdleSession();
    await callTool(sessionId, "analyzeRemoteVideo", { videoUrl });
    fakes.videos.add("/etag2.mp4", { size: 2 * MiB, etag: '"v2"' });
    const answer = await callTool(sessionId, "askAboutVideo", { videoUrl, question: "And then?" });
    expect(answer.structuredContent).not.toHaveProperty("reusedUpload");
    expect(fakes.gemini.uploads.size).toBe(2);
  });

  it("uploads again when the source changed since (another size), and deletes the replaced file", async () => {
    const videoUrl = fakes.videos.add("/changing.mp4", { size: 2 * MiB });
    const sessionId = await openIdleSession();
    await callTool(sessionId, "analyzeRemoteVideo", { videoUrl });
    fakes.videos.add("/changing.mp4", { size: 2 * MiB + 1 });
    const answer = await callTool(sessionId, "analyzeRemoteVideo", { videoUrl, prompt: "Again?" });
    expect(answer.structuredContent).not.toHaveProperty("reusedUpload");
    expect(fakes.gemini.uploads.size).toBe(2);
    const [older, newer] = [...fakes.gemini.files.values()];
    await expect.poll(() => older?.deleted).toBe(true);
    expect(newer?.deleted).toBe(false);
  });

  it("uploads again when the kept file expires within the reuse margin (10 minutes left), and deletes the old file", async () => {
    fakes.gemini.enqueueFiles({ pollsBeforeDone: 0, lifetimeMs: 10 * 60_000 });
    const videoUrl = fakes.videos.add("/expiring.mp4", { size: MiB, etag: '"v1"' });
    const sessionId = await openIdleSession();
    await callTool(sessionId, "analyzeRemoteVideo", { videoUrl });
    const answer = await callTool(sessionId, "askAboutVideo", { videoUrl, question: "And then?" });
    expect(answer.isError).toBeUndefined();
    expect(answer.structuredContent).not.toHaveProperty("reusedUpload");
    expect(fakes.gemini.uploads.size).toBe(2);
    const [older, newer] = [...fakes.gemini.files.values()];
    expect(generatedFileUris()).toEqual([older?.uri, newer?.uri]);
    await expect.poll(() => older?.deleted).toBe(true);
    expect(newer?.deleted).toBe(false);
  });

  it("reuses a kept file with 2 hours left", async () => {
    fakes.gemini.enqueueFiles({ pollsBeforeDone: 0, lifetimeMs: 2 * 3600_000 });
    const videoUrl = fakes.videos.add("/lasting.mp4", { size: MiB, etag: '"v1"' });
    const sessionId = await openIdleSession();
    await callTool(sessionId, "analyzeRemoteVideo", { videoUrl });
    const answer = await callTool(sessionId, "askAboutVideo", { videoUrl, question: "And then?" });
    expect(answer.structuredContent).toMatchObject({ status: "done", reusedUpload: true });
    expect(fakes.gemini.uploads.size).toBe(1);
    const [file] = [...fakes.gemini.files.values()];
    expect(generatedFileUris()).toEqual([file?.uri, file?.uri]);
    expect(file?.deleted).toBe(false);
  });

  it("forgets a kept file Gemini no longer has, says so, and uploads afresh on the next request", async () => {
    const videoUrl = fakes.videos.add("/expired.mp4", { size: MiB });
    const sessionId = await openIdleSession();
    const first = snapshotOf(await callTool(sessionId, "analyzeRemoteVideo", { videoUrl }));
    // Gemini lets files go after 48 hours: countTokens and generate then answer 403 for it.
    [...fakes.gemini.files.values()][0]!.deleted = true;
    const failed = await callTool(sessionId, "askAboutVideo", { jobId: first.jobId, question: "Still there?" });
    expect(failed.isError).toBe(true);
    expect(failed.content[0]?.text).toMatch(
      /The uploaded video is gone from Gemini .*ask again with the video URL to upload it anew\./
    );
    const again = await callTool(sessionId, "askAboutVideo", { videoUrl, question: "Still there?" });
    expect(again.isError).toBeUndefined();
    expect(again.structuredContent).not.toHaveProperty("reusedUpload");
    expect(fakes.gemini.uploads.size).toBe(2);
  });

  it("follows up by jobId from a session-less /rpc call, reusing the other session's file and leaving it in place", async () => {
    const videoUrl = fakes.videos.add("/elsewhere.mp4", { size: MiB });
    const first = snapshotOf(await callTool(await openIdleSession(), "analyzeRemoteVideo", { videoUrl }));
    const response = await postJson("/rpc", {
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "askAboutVideo", arguments: { jobId: first.jobId, question: "From elsewhere?" } }
    });
    const { result } = (await response.json()) as { result: { isError?: boolean; structuredContent: Record<string, unknown> } };
    await expectValidToolResult("askAboutVideo", result);
    expect(result.isError).toBeUndefined();
    expect(result.structuredContent).toMatchObject({ status: "done", reusedUpload: true });
    expect(fakes.gemini.uploads.size).toBe(1);
    expect([...fakes.gemini.files.values()][0]?.deleted).toBe(false);
  });

  it("joins the running job when a client repeats the same request (a retry after a timeout)", async () => {
    fakes.gemini.enqueue({ kind: "answer", chunks: ["slow ", "answer"], chunkDelayMs: 300 });
    const videoUrl = fakes.videos.add("/retry.mp4", { size: MiB });
    const sessionId = await openIdleSession();
    const [first, retry] = await Promise.all([
      callTool(sessionId, "analyzeRemoteVideo", { videoUrl, prompt: "Q" }),
      new Promise((resolve) => setTimeout(resolve, 100)).then(() =>
        callTool(sessionId, "analyzeRemoteVideo", { videoUrl, prompt: "Q" })
      )
    ]);
    expect(snapshotOf(retry).jobId).toBe(snapshotOf(first).jobId);
    expect(retry.content[0]?.text).toBe("slow answer");
    expect(fakes.gemini.uploads.size).toBe(1);
    expect(fakes.gemini.generateRequests()).toHaveLength(1);
  });

  it("keeps processed files until the session ends, then deletes them", async () => {
    const videoUrl = fakes.videos.add("/kept.mp4", { size: MiB });
    const sessionId = await initializeMcpSession();
    await callTool(sessionId, "analyzeRemoteVideo", { videoUrl });
    const [file] = [...fakes.gemini.files.values()];
    expect(file?.deleted).toBe(false);
    expect((await authed("/mcp", { method: "DELETE", headers: { "Mcp-Session-Id": sessionId } })).status).toBe(200);
    expect(file?.deleted).toBe(true);
  });

  it("follows a YouTube job with the same link", async () => {
    const sessionId = await openIdleSession();
    const first = snapshotOf(await callTool(sessionId, "analyzeRemoteVideo", { videoUrl: "https://youtu.be/dQw4w9WgXcQ" }));
    await callTool(sessionId, "askAboutVideo", { jobId: first.jobId, question: "Who sings?" });
    expect(generatedFileUris()).toEqual([
      "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
      "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    ]);
  });

  it.each([
    ["neither videoUrl nor jobId", { question: "Q" }, /Give either videoUrl or jobId \(not both\)/],
    ["both", { question: "Q", jobId: "x", videoUrl: "https://youtu.be/dQw4w9WgXcQ" }, /Give either videoUrl or jobId/],
    [
      "an unknown job",
      { question: "Q", jobId: "nope" },
      /No job nope\. listVideoAnalyses shows this session's jobs; or pass videoUrl\./
    ],
    ["an empty question", { question: " ", videoUrl: "https://youtu.be/dQw4w9WgXcQ" }, /question must not be empty/]
  ])("refuses %s", async (_name, args, expected) => {
    const result = await callTool(await openIdleSession(), "askAboutVideo", args);
    expect(result.isError).toBe(true);
    expect(result.content[0]?.text).toMatch(expected);
  });

  it("says to wait when the job asked about is still running", async () => {
    fakes.gemini.enqueue({ kind: "answer", chunks: ["a ", "b ", "c"], chunkDelayMs: 300 });
    const sessionId = await openIdleSession();
    const { jobId } = snapshotOf(await callTool(sessionId, "startVideoAnalysis", { videoUrl: "https://youtu.be/dQw4w9WgXcQ" }));
    const result = await callTool(sessionId, "askAboutVideo", { jobId, question: "Q" });
    expect(result.isError).toBe(true);
    expect(result.content[0]?.text).toMatch(
      /is still running \(.*%\)\. Wait for it with getVideoAnalysis \(waitSeconds\), then ask again\./
    );
    await callTool(sessionId, "getVideoAnalysis", { jobId, waitSeconds: 10 });
  });
});

describe("running analyses per session", () => {
  it("refuses a fifth concurrent analysis with what to do, and accepts again once one ends", async () => {
    const sessionId = await openIdleSession();
    fakes.gemini.enqueue(
      ...Array.from({ length: 4 }, () => ({ kind: "answer" as const, chunks: ["x ", "y"], chunkDelayMs: 400 }))
    );
    const started = [];
    for (let index = 0; index < 4; index++) {
      started.push(
        snapshotOf(
          await callTool(sessionId, "startVideoAnalysis", { videoUrl: "https://youtu.be/dQw4w9WgXcQ", prompt: `Q${index}` })
        )
      );
    }
    const refused = await callTool(sessionId, "startVideoAnalysis", { videoUrl: "https://youtu.be/dQw4w9WgXcQ", prompt: "Q4" });
    expect(refused.isError).toBe(true);
    expect(refused.content[0]?.text).toMatch(
      /already running 4 analyses, the most it may run at once\. Wait for one to finish .* or cancel one \(cancelVideoAnalysis\)/
    );
    await callTool(sessionId, "cancelVideoAnalysis", { jobId: started[0]!.jobId });
    const accepted = await callTool(sessionId, "startVideoAnalysis", { videoUrl: "https://youtu.be/dQw4w9WgXcQ", prompt: "Q4" });
    expect(accepted.isError).toBeUndefined();
    for (const job of started.slice(1)) await callTool(sessionId, "getVideoAnalysis", { jobId: job.jobId, waitSeconds: 10 });
  });
});

describe("two jobs on one source", () => {
  it("share one upload, and cancelling one leaves the file to the other while it generates", { timeout: 30_000 }, async () => {
    const videoUrl = fakes.videos.add("/shared.mp4", { size: 12 * MiB, delayMsPerBlock: 1 });
    const slowAnswer = (name: string) =>
      ({ kind: "answer", chunks: Array.from({ length: 30 }, (_, i) => `${name}${i} `), chunkDelayMs: 50 }) as const;
    fakes.gemini.enqueue(slowAnswer("a"), slowAnswer("b"));
    const sessionId = await openIdleSession();
    const first = snapshotOf(await callTool(sessionId, "startVideoAnalysis", { videoUrl, prompt: "What happens?" }));
    const second = snapshotOf(await callTool(sessionId, "startVideoAnalysis", { videoUrl, prompt: "Who is in it?" }));
    const generating = (job: ReturnType<typeof snapshotOf>) =>
      job.status === "generating" && String(job.message).startsWith("generating");
    await withAlarms(sessionId, pollJob(sessionId, first.jobId, generating));
    await withAlarms(sessionId, pollJob(sessionId, second.jobId, generating));
    expect(fakes.gemini.uploads.size).toBe(1);
    const [file] = [...fakes.gemini.files.values()];

    expect((await callTool(sessionId, "cancelVideoAnalysis", { jobId: first.jobId })).structuredContent).toMatchObject({
      status: "cancelled"
    });
    expect(file!.deleted).toBe(false);
    const done = await withAlarms(
      sessionId,
      pollJob(sessionId, second.jobId, (job) => job.status === "done")
    );
    expect(done.result).toMatchObject({ text: expect.stringMatching(/29 $/) });
    expect(file!.deleted).toBe(false);
    expect(generatedFileUris()).toEqual([file!.uri, file!.uri]);
  });
});
