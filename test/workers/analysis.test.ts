import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { TEST_MAX_VIDEO_BYTES } from "../constants";
import { geminiErrors } from "../support/fake-gemini";
import { videoCrc, type FakeVideo } from "../support/fake-video";
import { useFakes } from "./support/fetch-spy";
import { openIdleSession, openSession, postJson, restartObject, sessionStub } from "./support/http";
import { expectValidToolResult } from "./support/output-schemas";
import { callTool, pollJob, snapshotOf, withAlarms } from "./support/session-calls";

const fakes = useFakes();
const MiB = 1024 * 1024;
const CHUNK = 8 * MiB;

function onlyUpload() {
  const uploads = [...fakes.gemini.uploads.values()];
  expect(uploads).toHaveLength(1);
  return uploads[0]!;
}

/** Cuts the session object's connections, restarts it at once (`restartObject`), and lets its timers run until the job is done. */
async function restartUntilDone(sessionId: string, jobId: string) {
  fakes.sever();
  await restartObject(sessionId);
  return withAlarms(
    sessionId,
    pollJob(sessionId, jobId, (job) => job.status === "done")
  );
}

describe("analyses of direct video URLs", () => {
  it("streams a 50 MB video to the Files API in 8 MiB chunks with exactly the source's bytes", async () => {
    const video: FakeVideo = { size: 50 * MiB + 123 };
    const videoUrl = fakes.videos.add("/big.mp4", video);
    const sessionId = await openIdleSession();
    const result = await callTool(sessionId, "analyzeRemoteVideo", { videoUrl, prompt: "What happens?" });
    expect(result.isError).toBeUndefined();
    expect(result.content[0]?.text).toBe("The video shows a cat at 00:05 and a dog at 01:10.");

    const upload = onlyUpload();
    expect(upload.declaredBytes).toBe(video.size);
    expect(upload.mimeType).toBe("video/mp4");
    expect(upload.received).toBe(video.size);
    expect(upload.crc.digest()).toBe(videoCrc(video));
    expect(upload.chunkSizes.slice(0, -1).every((size) => size === CHUNK)).toBe(true);
    expect(upload.chunkSizes.at(-1)).toBe(video.size % CHUNK);

    const [generate] = fakes.gemini.generateRequests();
    expect(generate?.body).toMatchObject({
      contents: [{ parts: [{ fileData: { fileUri: upload.file!.uri, mimeType: "video/mp4" } }, { text: "What happens?" }] }]
    });
    // Kept for follow-up questions until the session ends (see follow-ups.test.ts).
    expect(upload.file!.deleted).toBe(false);
    expect(result.structuredContent).toMatchObject({
      status: "done",
      bytesUploaded: video.size,
      totalBytes: video.size,
      progress: 100
    });
  });

  it("uploads a source that sends no Content-Length or Content-Type, typed by its first bytes", async () => {
    const video: FakeVideo = { size: 20 * MiB + 7, sendLength: false, contentType: null };
    const videoUrl = fakes.videos.add("/stream", video);
    const result = await callTool(await openIdleSession(), "analyzeRemoteVideo", { videoUrl });
    expect(result.isError).toBeUndefined();
    const upload = onlyUpload();
    expect(upload.declaredBytes).toBeNull();
    expect(upload.mimeType).toBe("video/mp4");
    expect(upload.received).toBe(video.size);
    expect(upload.crc.digest()).toBe(videoCrc(video));
    expect(
      fakes.gemini.requests.find((request) => request.path === "/upload/v1beta/files" && request.search === "")?.headers
    ).not.toHaveProperty("x-goog-upload-header-content-length");
  });

  it.each([
    ["video/quicktime", "/clip.bin", "video/mov"],
    ["application/octet-stream", "/clip.webm", "video/webm"]
  ])("names the MIME type Gemini expects (Content-Type %s, path %s)", async (contentType, path, expected) => {
    const header = expected === "video/webm" ? new Uint8Array([0x1a, 0x45, 0xdf, 0xa3, 0, 0, 0, 0, 0, 0, 0, 0]) : undefined;
    const videoUrl = fakes.videos.add(path, { size: MiB, contentType, ...(header ? { header } : {}) });
    await callTool(await openIdleSession(), "analyzeRemoteVideo", { videoUrl });
    expect(onlyUpload().mimeType).toBe(expected);
  });

  it("refuses a URL that serves something other than a video", async () => {
    const header = new TextEncoder().encode("<!doctype html><html>");
    const videoUrl = fakes.videos.add("/page", { size: 4096, contentType: "text/html", header });
    const result = await callTool(await openIdleSession(), "analyzeRemoteVideo", { videoUrl });
    expect(result.isError).toBe(true);
    expect(result.content[0]?.text).toMatch(/does not serve a video \(Content-Type text\/html/);
    expect(fakes.gemini.uploads.size).toBe(0);
  });

  it("refuses a source over MAX_VIDEO_BYTES by its Content-Length, before uploading anything", async () => {
    const videoUrl = fakes.videos.add("/huge.mp4", { size: TEST_MAX_VIDEO_BYTES + 1 });
    const result = await callTool(await openIdleSession(), "analyzeRemoteVideo", { videoUrl });
    expect(result.isError).toBe(true);
    expect(result.content[0]?.text).toMatch(/larger than the limit \(67\.1 MB > 67\.1 MB, MAX_VIDEO_BYTES\)/);
    expect(fakes.gemini.uploads.size).toBe(0);
  });

  it("refuses a source without length once it streams past MAX_VIDEO_BYTES, without finalizing", async () => {
    const videoUrl = fakes.videos.add("/endless", { size: TEST_MAX_VIDEO_BYTES + CHUNK, sendLength: false });
    const result = await callTool(await openIdleSession(), "analyzeRemoteVideo", { videoUrl });
    expect(result.isError).toBe(true);
    expect(result.content[0]?.text).toMatch(/larger than the limit/);
    const upload = onlyUpload();
    expect(upload.received).toBeLessThanOrEqual(TEST_MAX_VIDEO_BYTES);
    expect(upload.file).toBeUndefined();
  });

  it("says why when the source answers with an HTTP error", async () => {
    const result = await callTool(await openIdleSession(), "analyzeRemoteVideo", { videoUrl: "http://videos.test/missing.mp4" });
    expect(result.isError).toBe(true);
    expect(result.content[0]?.text).toMatch(/videos\.test answered HTTP 404/);
  });

  it("polls a PROCESSING file until ACTIVE", async () => {
    fakes.gemini.enqueueFiles({ pollsBeforeDone: 2 });
    const videoUrl = fakes.videos.add("/slow-processing.mp4", { size: MiB });
    const sessionId = await openIdleSession();
    const result = await withAlarms(sessionId, callTool(sessionId, "analyzeRemoteVideo", { videoUrl }));
    expect(result.isError).toBeUndefined();
    const polls = fakes.gemini.requests.filter(
      (request) => request.method === "GET" && request.path.startsWith("/v1beta/files/")
    );
    expect(polls.length).toBe(3);
  });

  it("reports a file Gemini failed to process, and deletes it", async () => {
    fakes.gemini.enqueueFiles({ pollsBeforeDone: 1, failWith: "Unsupported video codec" });
    const videoUrl = fakes.videos.add("/bad-codec.mp4", { size: MiB });
    const sessionId = await openIdleSession();
    const result = await withAlarms(sessionId, callTool(sessionId, "analyzeRemoteVideo", { videoUrl }));
    expect(result.isError).toBe(true);
    expect(result.content[0]?.text).toMatch(/could not process the video: Unsupported video codec/);
    await expect.poll(() => onlyUpload().file!.deleted).toBe(true);
  });
});

describe("retries", () => {
  it("waits as long as RetryInfo says after a 429, then succeeds", async () => {
    // QuotaFailure, Help and RetryInfo, as Google sends them.
    fakes.gemini.enqueue(geminiErrors.quotaExceeded("7s"));
    const opened = await openSession();
    const result = withAlarms(
      opened.sessionId,
      callTool(opened.sessionId, "analyzeRemoteVideo", { videoUrl: "https://youtu.be/dQw4w9WgXcQ" }, { progressToken: "r" })
    );
    const messages: string[] = [];
    for (;;) {
      const message = (await opened.sse.nextMessage(10_000)) as { params: { message: string } };
      messages.push(message.params.message);
      if (message.params.message === "done") break;
    }
    expect((await result).isError).toBeUndefined();
    expect(messages.some((text) => /Gemini API error 429 .*Retrying in 7 s \(attempt 2\)/.test(text))).toBe(true);
    expect(fakes.gemini.generateRequests()).toHaveLength(2);
    await opened.sse.cancel();
  });

  it("gives up after five attempts on a persistent 503, with the cause", async () => {
    const overloaded = { kind: "error", httpStatus: 503, status: "UNAVAILABLE", message: "The model is overloaded." } as const;
    fakes.gemini.enqueue(overloaded, overloaded, overloaded, overloaded, overloaded);
    const sessionId = await openIdleSession();
    const result = await withAlarms(
      sessionId,
      callTool(sessionId, "analyzeRemoteVideo", { videoUrl: "https://youtu.be/dQw4w9WgXcQ" })
    );
    expect(result.isError).toBe(true);
    expect(result.content[0]?.text).toMatch(/Gemini API error 503 \(UNAVAILABLE: The model is overloaded\.\).*retry/);
    expect(fakes.gemini.generateRequests()).toHaveLength(5);
  });

  it("resends a chunk the upload endpoint refused with a 5xx, keeping the bytes exact", async () => {
    fakes.gemini.failNextUploadChunks({ kind: "error", httpStatus: 503, status: "UNAVAILABLE", message: "try again" });
    const video: FakeVideo = { size: 17 * MiB };
    const videoUrl = fakes.videos.add("/retry.mp4", video);
    const sessionId = await openIdleSession();
    const result = await withAlarms(sessionId, callTool(sessionId, "analyzeRemoteVideo", { videoUrl }));
    expect(result.isError).toBeUndefined();
    expect(onlyUpload().crc.digest()).toBe(videoCrc(video));
  });
});

describe("jobs", () => {
  it("startVideoAnalysis returns a jobId at once; getVideoAnalysis waits for the answer", async () => {
    fakes.gemini.enqueue({ kind: "answer", chunks: ["slow ", "answer"], chunkDelayMs: 200 });
    const sessionId = await openIdleSession();
    const started = snapshotOf(await callTool(sessionId, "startVideoAnalysis", { videoUrl: "https://youtu.be/dQw4w9WgXcQ" }));
    expect(started.jobId).toMatch(new RegExp(`^${sessionId}\\.[0-9a-f]{16}$`));
    expect(started.status).toBe("queued");
    const finished = await callTool(sessionId, "getVideoAnalysis", { jobId: started.jobId, waitSeconds: 10 });
    expect(finished.structuredContent).toMatchObject({ status: "done", progress: 100, result: { text: "slow answer" } });
    expect(finished.content[0]?.text).toContain("slow answer");
    const listed = await callTool(sessionId, "listVideoAnalyses", {});
    expect(listed.structuredContent).toMatchObject({ jobs: [{ jobId: started.jobId, status: "done" }] });
  });

  it("answers an unknown jobId with a clear tool error", async () => {
    const result = await callTool(await openIdleSession(), "getVideoAnalysis", { jobId: "nope" });
    expect(result.isError).toBe(true);
    expect(result.content[0]?.text).toMatch(/No job nope\./);
  });

  it("finds a job from another session, so sessionless /rpc calls can start, poll and cancel", async () => {
    fakes.gemini.enqueue({ kind: "answer", chunks: ["found ", "across sessions"], chunkDelayMs: 100 });
    const rpc = async (name: string, args: Record<string, unknown>) => {
      const response = await postJson("/rpc", { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name, arguments: args } });
      const { result } = (await response.json()) as { result: { structuredContent: Record<string, unknown> } };
      await expectValidToolResult(name, result);
      return result.structuredContent;
    };
    const started = await rpc("startVideoAnalysis", { videoUrl: "https://youtu.be/dQw4w9WgXcQ" });
    const finished = await rpc("getVideoAnalysis", { jobId: started.jobId, waitSeconds: 10 });
    expect(finished).toMatchObject({ jobId: started.jobId, status: "done", result: { text: "found across sessions" } });

    fakes.gemini.enqueue({ kind: "answer", chunks: Array.from({ length: 40 }, () => "slow "), chunkDelayMs: 100 });
    const second = await rpc("startVideoAnalysis", { videoUrl: "https://youtu.be/dQw4w9WgXcQ" });
    expect(await rpc("cancelVideoAnalysis", { jobId: second.jobId })).toMatchObject({ status: "cancelled" });
  });

  it("cancels during the upload: the job ends cancelled and no file is created", async () => {
    const videoUrl = fakes.videos.add("/slow.mp4", { size: 40 * MiB, delayMsPerBlock: 2 });
    const sessionId = await openIdleSession();
    const { jobId } = snapshotOf(await callTool(sessionId, "startVideoAnalysis", { videoUrl }));
    await pollJob(sessionId, jobId, (job) => job.bytesUploaded > 0);
    const cancelled = await callTool(sessionId, "cancelVideoAnalysis", { jobId });
    expect(cancelled.structuredContent).toMatchObject({ status: "cancelled", error: "Cancelled: cancelled by the client" });
    const upload = onlyUpload();
    expect(upload.file).toBeUndefined();
    expect(upload.received).toBeLessThan(40 * MiB);
  });

  it("cancels during generation: the job ends cancelled and its processed file is deleted", async () => {
    fakes.gemini.enqueue({ kind: "answer", chunks: Array.from({ length: 50 }, (_, i) => `part ${i} `), chunkDelayMs: 100 });
    const videoUrl = fakes.videos.add("/gen.mp4", { size: MiB });
    const sessionId = await openIdleSession();
    const { jobId } = snapshotOf(await callTool(sessionId, "startVideoAnalysis", { videoUrl }));
    await pollJob(sessionId, jobId, (job) => job.status === "generating" && String(job.message).startsWith("generating"));
    const cancelled = await callTool(sessionId, "cancelVideoAnalysis", { jobId });
    expect(cancelled.structuredContent).toMatchObject({ status: "cancelled" });
    expect(onlyUpload().file!.deleted).toBe(true);
    const retried = await callTool(sessionId, "analyzeRemoteVideo", { videoUrl });
    expect(retried.structuredContent).toMatchObject({ status: "done" });
    expect(fakes.gemini.uploads.size).toBe(2);
  });

  it("resumes an upload after the Durable Object restarts, with no byte lost or repeated", { timeout: 30_000 }, async () => {
    const video: FakeVideo = { size: 26 * MiB, delayMsPerBlock: 1 };
    const videoUrl = fakes.videos.add("/restart.mp4", video);
    const sessionId = await openIdleSession();
    const { jobId } = snapshotOf(await callTool(sessionId, "startVideoAnalysis", { videoUrl }));
    await pollJob(sessionId, jobId, (job) => job.bytesUploaded >= CHUNK);
    const done = await restartUntilDone(sessionId, jobId);
    expect(done.result).toMatchObject({ text: "The video shows a cat at 00:05 and a dog at 01:10." });
    const upload = onlyUpload();
    expect(upload.received).toBe(video.size);
    expect(upload.crc.digest()).toBe(videoCrc(video));
    // At most the chunk in flight when the object went away is sent again.
    expect(upload.sent - upload.received).toBeLessThanOrEqual(CHUNK);
    expect(fakes.videos.ranges.some((range) => range !== null && /^bytes=\d+-$/.test(range) && range !== "bytes=0-")).toBe(true);
  });

  it("carries on a job stored by an earlier version (its input the URL alone) after the Durable Object restarts", {
    timeout: 30_000
  }, async () => {
    const video: FakeVideo = { size: 12 * MiB, delayMsPerBlock: 1 };
    const videoUrl = fakes.videos.add("/earlier-version.mp4", video);
    const sessionId = await openIdleSession();
    const { jobId } = snapshotOf(await callTool(sessionId, "startVideoAnalysis", { videoUrl }));
    await pollJob(sessionId, jobId, (job) => job.bytesUploaded >= CHUNK);
    const storedSource = () =>
      runInDurableObject(sessionStub(sessionId), (_instance, state) => {
        const [row] = state.storage.sql
          .exec<{ source: string | null }>("SELECT json_extract(input, '$.source') AS source FROM jobs WHERE id = ?", jobId)
          .toArray();
        return row?.source ?? null;
      });
    expect(await storedSource()).not.toBeNull();
    // The row as an earlier version wrote it.
    await runInDurableObject(sessionStub(sessionId), (_instance, state) => {
      state.storage.sql.exec("UPDATE jobs SET input = json_remove(input, '$.source') WHERE id = ?", jobId);
    });
    expect(await storedSource()).toBeNull();
    const done = await restartUntilDone(sessionId, jobId);
    expect(done.result).toMatchObject({ text: "The video shows a cat at 00:05 and a dog at 01:10." });
    expect(onlyUpload().received).toBe(video.size);
    expect(await storedSource()).toBeNull();
  });

  it("carries on waiting for the file to become ACTIVE after the Durable Object restarts", { timeout: 30_000 }, async () => {
    fakes.gemini.enqueueFiles({ pollsBeforeDone: 3 });
    const videoUrl = fakes.videos.add("/restart-processing.mp4", { size: MiB });
    const sessionId = await openIdleSession();
    const { jobId } = snapshotOf(await callTool(sessionId, "startVideoAnalysis", { videoUrl }));
    await withAlarms(
      sessionId,
      pollJob(sessionId, jobId, (job) => job.status === "processing")
    );
    const done = await restartUntilDone(sessionId, jobId);
    expect(done.result).toMatchObject({ text: "The video shows a cat at 00:05 and a dog at 01:10." });
    expect(fakes.gemini.uploads.size).toBe(1);
    const polls = fakes.gemini.requests.filter(
      (request) => request.method === "GET" && request.path.startsWith("/v1beta/files/")
    );
    expect(polls.length).toBeGreaterThanOrEqual(4);
  });

  it("restarts an interrupted answer after the Durable Object restarts", { timeout: 30_000 }, async () => {
    fakes.gemini.enqueue({ kind: "answer", chunks: Array.from({ length: 30 }, (_, i) => `p${i} `), chunkDelayMs: 50 });
    fakes.gemini.enqueue({ kind: "answer", chunks: ["complete answer"] });
    const sessionId = await openIdleSession();
    const { jobId } = snapshotOf(await callTool(sessionId, "startVideoAnalysis", { videoUrl: "https://youtu.be/dQw4w9WgXcQ" }));
    await pollJob(sessionId, jobId, (job) => String(job.message).startsWith("generating"));
    const done = await restartUntilDone(sessionId, jobId);
    expect(done.result).toMatchObject({ text: "complete answer" });
  });
});
