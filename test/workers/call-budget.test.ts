/**
 * Blocking tool calls against real clients' limits: a call answers within
 * TOOL_CALL_BUDGET_SECONDS (still running, with its jobId), a client's cancel
 * detaches only that caller, and a cancelled call's retry carries on from
 * the upload Gemini already has.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { describe, expect, it } from "vitest";
import { TEST_TOOL_CALL_BUDGET_SECONDS } from "../constants";
import { videoCrc, type FakeVideo } from "../support/fake-video";
import { useFakes } from "./support/fetch-spy";
import { connectSdkClient } from "./support/sdk-client";

const fakes = useFakes();
const MiB = 1024 * 1024;
const YOUTUBE = "https://youtu.be/dQw4w9WgXcQ";

async function connect() {
  return (await connectSdkClient("budget-test")).client;
}

type Structured = Record<string, unknown> & { jobId: string; status: string };
const structured = (result: unknown) => (result as { structuredContent: Structured }).structuredContent;

/** The session's newest job once `predicate` holds for it; bounded. */
async function newestJob(client: Client, predicate: (job: Structured) => boolean): Promise<Structured> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const listed = await client.callTool({ name: "listVideoAnalyses", arguments: {} });
    const [job] = (listed.structuredContent as { jobs: Structured[] }).jobs;
    if (job && predicate(job)) return job;
    if (Date.now() > deadline) throw new Error(`The newest job is ${JSON.stringify(job)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function until(condition: () => boolean, maxMs = 10_000): Promise<void> {
  const deadline = Date.now() + maxMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("the call budget", () => {
  it.each(["analyzeRemoteVideo", "summarizeVideo"])(
    "%s answers 'still running' with its jobId within the budget; the job finishes and getVideoAnalysis returns it",
    { timeout: 30_000 },
    async (tool) => {
      const client = await connect();
      fakes.gemini.enqueueFiles({ pollsBeforeDone: 1_000 });
      const chapters = { title: "T", summary: "S", chapters: [{ start: "00:00", end: "00:10", title: "C", summary: "c" }] };
      fakes.gemini.enqueue({ kind: "answer", chunks: [tool === "summarizeVideo" ? JSON.stringify(chapters) : "late answer"] });
      const videoUrl = fakes.videos.add(`/budget-${tool}.mp4`, { size: MiB });
      const startedAt = Date.now();
      const result = await client.callTool({ name: tool, arguments: { videoUrl } });
      const elapsedMs = Date.now() - startedAt;
      expect(elapsedMs).toBeGreaterThanOrEqual(TEST_TOOL_CALL_BUDGET_SECONDS * 1000 - 100);
      expect(elapsedMs).toBeLessThan(TEST_TOOL_CALL_BUDGET_SECONDS * 1000 + 3000);
      expect(result.isError).toBeFalsy();
      const running = structured(result);
      expect(running).toMatchObject({ status: "processing", message: expect.stringMatching(/processing/) });
      expect((result.content as { text: string }[])[0]?.text).toMatch(
        new RegExp(
          `^Still running after ${TEST_TOOL_CALL_BUDGET_SECONDS} s: job ${running.jobId} is processing .*getVideoAnalysis`
        )
      );

      for (const file of fakes.gemini.files.values()) file.pollsLeft = 0;
      const finished = await client.callTool({ name: "getVideoAnalysis", arguments: { jobId: running.jobId, waitSeconds: 5 } });
      expect(structured(finished)).toMatchObject({ jobId: running.jobId, status: "done" });
      expect(fakes.gemini.uploads.size).toBe(1);
    }
  );

  it("caps getVideoAnalysis's wait at the budget", { timeout: 30_000 }, async () => {
    const client = await connect();
    fakes.gemini.enqueueFiles({ pollsBeforeDone: 1_000 });
    const videoUrl = fakes.videos.add("/wait-cap.mp4", { size: MiB });
    const started = structured(await client.callTool({ name: "startVideoAnalysis", arguments: { videoUrl } }));
    const startedAt = Date.now();
    const waited = await client.callTool({ name: "getVideoAnalysis", arguments: { jobId: started.jobId, waitSeconds: 300 } });
    expect(Date.now() - startedAt).toBeLessThan(TEST_TOOL_CALL_BUDGET_SECONDS * 1000 + 3000);
    expect(structured(waited)).toMatchObject({ status: "processing" });
    await client.callTool({ name: "cancelVideoAnalysis", arguments: { jobId: started.jobId } });
  });
});

describe("a client's cancel", () => {
  it("detaches only that caller: an identical call that joined the job still gets the answer", { timeout: 20_000 }, async () => {
    const client = await connect();
    fakes.gemini.enqueue({ kind: "answer", chunks: Array.from({ length: 30 }, (_, i) => `p${i} `), chunkDelayMs: 50 });
    const first = new AbortController();
    const firstCall = client.callTool({ name: "analyzeRemoteVideo", arguments: { videoUrl: YOUTUBE } }, undefined, {
      signal: first.signal
    });
    const secondCall = client.callTool({ name: "analyzeRemoteVideo", arguments: { videoUrl: YOUTUBE } });
    await until(() => fakes.gemini.generateRequests().length === 1);
    first.abort("the user pressed stop");
    await expect(firstCall).rejects.toThrow();
    const second = await secondCall;
    expect(second.isError).toBeFalsy();
    expect(structured(second)).toMatchObject({ status: "done" });
    expect(fakes.gemini.generateRequests()).toHaveLength(1);
  });

  it("stops a job nobody else waits for, keeps its upload, and the same call made again carries on from it", {
    timeout: 30_000
  }, async () => {
    const client = await connect();
    const video: FakeVideo = { size: 30 * MiB, delayMsPerBlock: 4 };
    const videoUrl = fakes.videos.add("/timeout.mp4", video);
    const received = () => [...fakes.gemini.uploads.values()][0]?.received ?? 0;
    const caller = new AbortController();
    const call = client.callTool({ name: "analyzeRemoteVideo", arguments: { videoUrl } }, undefined, { signal: caller.signal });
    await until(() => received() >= 8 * MiB);
    caller.abort("client timeout");
    await expect(call).rejects.toThrow();

    // At once, as a client retrying after its timeout does: the stopping job is not joined.
    const retried = await client.callTool({ name: "analyzeRemoteVideo", arguments: { videoUrl } });
    expect(structured(retried)).toMatchObject({ status: "done", bytesUploaded: video.size });
    const listed = await client.callTool({ name: "listVideoAnalyses", arguments: {} });
    const [, stopped] = (listed.structuredContent as { jobs: Structured[] }).jobs;
    expect(stopped).toMatchObject({ status: "cancelled", error: "Cancelled: the client cancelled the request" });
    const uploads = [...fakes.gemini.uploads.values()];
    expect(uploads).toHaveLength(1);
    expect(uploads[0]!.received).toBe(video.size);
    expect(uploads[0]!.crc.digest()).toBe(videoCrc(video));
    // The retry asked the host for the rest only, from where Gemini's upload stood.
    const resumedAt = fakes.videos.ranges.map((range) => Number(/^bytes=(\d+)-$/.exec(range ?? "")?.[1] ?? 0));
    expect(Math.max(...resumedAt)).toBeGreaterThanOrEqual(8 * MiB);
    expect(fakes.videos.ranges.filter((range) => range === null)).toHaveLength(1);
  });

  it("cancelVideoAnalysis on a job stopped for a retry deletes its upload; the next call starts afresh", {
    timeout: 30_000
  }, async () => {
    const client = await connect();
    fakes.gemini.enqueueFiles({ pollsBeforeDone: 1_000 });
    const videoUrl = fakes.videos.add("/discard.mp4", { size: MiB });
    const caller = new AbortController();
    const call = client.callTool({ name: "analyzeRemoteVideo", arguments: { videoUrl } }, undefined, { signal: caller.signal });
    await until(() => fakes.gemini.files.size === 1);
    caller.abort("client timeout");
    await expect(call).rejects.toThrow();
    const stopped = await newestJob(client, (job) => job.status === "cancelled");
    const [file] = fakes.gemini.files.values();
    expect(file!.deleted).toBe(false);
    await client.callTool({ name: "cancelVideoAnalysis", arguments: { jobId: stopped.jobId } });
    expect(file!.deleted).toBe(true);
    fakes.gemini.enqueueFiles({ pollsBeforeDone: 0 });
    await client.callTool({ name: "analyzeRemoteVideo", arguments: { videoUrl } });
    expect(fakes.gemini.uploads.size).toBe(2);
  });
});
