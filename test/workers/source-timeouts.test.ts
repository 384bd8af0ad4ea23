/**
 * Every job ends: a video host that never answers, stalls or trickles fails
 * the job in bounded time with a message about the host (not Gemini), and a
 * failing upload is tried at most MAX_ATTEMPTS times in all.
 */
import { describe, expect, it } from "vitest";
import { MAX_ATTEMPTS } from "../../src/gemini/retry";
import { StallWatchdog } from "../../src/http/stall-watchdog";
import { TEST_SOURCE_TIMEOUT_SECONDS } from "../constants";
import { useFakes } from "./support/fetch-spy";
import { openIdleSession } from "./support/http";
import { callTool, withAlarms } from "./support/session-calls";

const fakes = useFakes();
const MiB = 1024 * 1024;
const LIMIT_MS = TEST_SOURCE_TIMEOUT_SECONDS * 1000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const stalled = (limit: string) => new Error(`stalled: ${limit}`);

describe("StallWatchdog", () => {
  it("fails a read that gets nothing within idleMs", async () => {
    const watchdog = new StallWatchdog({ idleMs: 200, totalMs: 10_000 }, stalled, Date.now());
    const startedAt = Date.now();
    await expect(watchdog.read(new Promise(() => {}))).rejects.toThrow("stalled: idleMs");
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(190);
    expect(Date.now() - startedAt).toBeLessThan(1000);
  });

  it("does not count time spent between reads (uploading to Gemini) as idle", async () => {
    const watchdog = new StallWatchdog({ idleMs: 150, totalMs: 10_000 }, stalled, Date.now());
    await watchdog.read(sleep(50));
    await sleep(400);
    await expect(watchdog.read(sleep(50).then(() => "bytes"))).resolves.toBe("bytes");
    watchdog.stop();
  });

  it("fails a transfer that trickles once it passes totalMs", async () => {
    const startedAt = Date.now();
    const watchdog = new StallWatchdog({ idleMs: 300, totalMs: 600 }, stalled, startedAt);
    const trickle = async () => {
      for (;;) await watchdog.read(sleep(100));
    };
    await expect(trickle()).rejects.toThrow("stalled: totalMs");
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(590);
    expect(Date.now() - startedAt).toBeLessThan(2000);
  });
});

describe("a video host that misbehaves", () => {
  it("fails the job when the host never answers, within SOURCE_CONNECT_TIMEOUT_SECONDS", { timeout: 20_000 }, async () => {
    const videoUrl = fakes.videos.add("/hang.mp4", { size: MiB, neverAnswers: true });
    const startedAt = Date.now();
    const result = await callTool(await openIdleSession(), "analyzeRemoteVideo", { videoUrl });
    expect(Date.now() - startedAt).toBeLessThan(LIMIT_MS + 3000);
    expect(result.isError).toBe(true);
    expect(result.content[0]?.text).toMatch(/^videos\.test did not answer within 3 s \(SOURCE_CONNECT_TIMEOUT_SECONDS\)/);
    expect(fakes.gemini.uploads.size).toBe(0);
  });

  it("fails the job when the host stops sending mid-download, within SOURCE_IDLE_TIMEOUT_SECONDS", {
    timeout: 20_000
  }, async () => {
    const videoUrl = fakes.videos.add("/stall.mp4", { size: 20 * MiB, stallAfterBytes: 9 * MiB });
    const startedAt = Date.now();
    const result = await callTool(await openIdleSession(), "analyzeRemoteVideo", { videoUrl });
    expect(Date.now() - startedAt).toBeLessThan(LIMIT_MS + 5000);
    expect(result.isError).toBe(true);
    expect(result.content[0]?.text).toMatch(/^videos\.test sent no data for 3 s \(SOURCE_IDLE_TIMEOUT_SECONDS\)/);
    const [upload] = fakes.gemini.uploads.values();
    expect(upload?.file).toBeUndefined();
  });

  it("names an unreachable host as the video's, not Gemini's, after bounded retries", { timeout: 30_000 }, async () => {
    const sessionId = await openIdleSession();
    const result = await withAlarms(
      sessionId,
      callTool(sessionId, "analyzeRemoteVideo", { videoUrl: "https://unreachable.example/video.mp4" })
    );
    expect(result.isError).toBe(true);
    expect(result.content[0]?.text).toMatch(/^Could not connect to unreachable\.example to download the video/);
    expect(result.content[0]?.text).not.toMatch(/Gemini/);
  });
});

describe("retries around the upload", () => {
  it("tries a failing chunk at most MAX_ATTEMPTS times in all, with no nested attempts", { timeout: 30_000 }, async () => {
    const failure = { kind: "error", httpStatus: 503, status: "UNAVAILABLE", message: "try again" } as const;
    fakes.gemini.failNextUploadChunks(...Array.from({ length: 40 }, () => failure));
    const videoUrl = fakes.videos.add("/failing.mp4", { size: 17 * MiB });
    const sessionId = await openIdleSession();
    const result = await withAlarms(sessionId, callTool(sessionId, "analyzeRemoteVideo", { videoUrl }));
    expect(result.isError).toBe(true);
    expect(result.content[0]?.text).toMatch(/^Gemini API error 503/);
    const commands = fakes.gemini.requests
      .filter((request) => request.search.includes("upload_id"))
      .map((request) => request.headers["x-goog-upload-command"]);
    expect(commands.filter((command) => command?.startsWith("upload"))).toHaveLength(MAX_ATTEMPTS);
    expect(commands.filter((command) => command === "query")).toHaveLength(0);
    expect(fakes.videos.ranges).toHaveLength(1);
  });
});
