/**
 * End to end, against real clients' limits and a hostile network: the real
 * server (wrangler dev, workerd) with a short call budget and short source
 * timeouts, the official SDK client, a fake Gemini and a fake video host on
 * loopback. A slow analysis answers "still running" within the budget and
 * finishes; a timed-out client's retry uploads nothing twice; a trickling
 * host fails its job in bounded time; and a restart resumes every session's
 * jobs by itself, on alarms at their real times, with no request to wake it.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeGemini } from "../support/fake-gemini";
import { videoCrc, type FakeVideo, type FakeVideoHost } from "../support/fake-video";
import type { DevServer } from "./support/dev-server";
import { sleep } from "./support/process-group";
import { startStack, type Stack } from "./support/stack";
import { shortBodyRequest } from "./support/raw-http";

const BUDGET_SECONDS = 6;
const SOURCE_IDLE_SECONDS = 3;
const SOURCE_TOTAL_SECONDS = 5;
const BODY_TIMEOUT_SECONDS = 2;
const MiB = 1024 * 1024;

let fake: FakeGemini;
let videos: FakeVideoHost;
let server: DevServer;
let stack: Stack;
const clients: Client[] = [];

beforeAll(async () => {
  stack = await startStack({
    TOOL_CALL_BUDGET_SECONDS: String(BUDGET_SECONDS),
    SOURCE_IDLE_TIMEOUT_SECONDS: String(SOURCE_IDLE_SECONDS),
    SOURCE_TOTAL_TIMEOUT_SECONDS: String(SOURCE_TOTAL_SECONDS),
    BODY_TIMEOUT_SECONDS: String(BODY_TIMEOUT_SECONDS)
  });
  ({ gemini: fake, videos, server } = stack);
});

afterAll(async () => {
  for (const client of clients) await client.close().catch(() => {});
  await stack?.stop();
});

async function connect(): Promise<Client> {
  const client = new Client({ name: "e2e-limits", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(`${server.baseUrl}/mcp`), {
    requestInit: { headers: { Authorization: `Bearer ${server.secret}` } }
  });
  await client.connect(transport);
  clients.push(client);
  return client;
}

type Snapshot = { jobId: string; status: string; bytesUploaded: number; error?: string };
const snapshot = (result: unknown) => (result as { structuredContent: Snapshot }).structuredContent;

/** Waits until `condition` holds, calling `poll` (when given) before each look. */
async function until(condition: () => boolean, what: string, maxMs = 30_000, poll?: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + maxMs;
  for (;;) {
    await poll?.();
    if (condition()) return;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleep(50);
  }
}

const uploadFor = (displayName: string) => [...fake.uploads.values()].find((upload) => upload.displayName === displayName);

describe("a client whose body stops short of its Content-Length", () => {
  it("is answered 408 within BODY_TIMEOUT_SECONDS on every route, /health included", { timeout: 30_000 }, async () => {
    const auth = { Authorization: `Bearer ${server.secret}` };
    const json = { ...auth, "Content-Type": "application/json", Accept: "application/json, text/event-stream" };
    const form = { "Content-Type": "application/x-www-form-urlencoded" };
    const requests = [
      { method: "GET", path: "/health" },
      { method: "POST", path: "/rpc", headers: json },
      { method: "POST", path: "/mcp", headers: json },
      { method: "GET", path: "/sse", headers: auth },
      { method: "POST", path: "/messages?sessionId=x", headers: json },
      { method: "POST", path: "/register", headers: { "Content-Type": "application/json" } },
      { method: "POST", path: "/token", headers: form },
      { method: "POST", path: "/console/api/sign-in", headers: { "Content-Type": "application/json", Origin: server.baseUrl } }
    ];
    const boundMs = (BODY_TIMEOUT_SECONDS + 5) * 1000;
    const outcomes = await Promise.all(
      requests.map(async (request) => ({
        route: `${request.method} ${request.path}`,
        ...(await shortBodyRequest(server.baseUrl, { ...request, waitMs: boundMs }))
      }))
    );
    expect(outcomes.map(({ route, status }) => ({ route, status }))).toEqual(
      outcomes.map(({ route }) => ({ route, status: 408 }))
    );
    // Not before the deadline: a client that is merely slow gets its time.
    for (const { route, afterMs } of outcomes) expect(afterMs, route).toBeGreaterThanOrEqual(BODY_TIMEOUT_SECONDS * 1000 - 100);
    // The cut-off connections leave the server answering.
    expect((await fetch(`${server.baseUrl}/health`)).status).toBe(200);
  });
});

describe("a call that outlives its budget", () => {
  it("answers 'still running' with its jobId within the budget, and the job finishes", { timeout: 60_000 }, async () => {
    const client = await connect();
    fake.enqueueFiles({ pollsBeforeDone: 1_000 });
    const videoUrl = videos.add("/budget.mp4", { size: 2 * MiB });
    const startedAt = Date.now();
    const result = await client.callTool({ name: "analyzeRemoteVideo", arguments: { videoUrl } });
    const elapsedMs = Date.now() - startedAt;
    expect(elapsedMs).toBeGreaterThanOrEqual(BUDGET_SECONDS * 1000 - 200);
    expect(elapsedMs).toBeLessThan(BUDGET_SECONDS * 1000 + 5000);
    expect(result.isError).toBeFalsy();
    const running = snapshot(result);
    expect(running.status).toBe("processing");
    expect((result.content as { text: string }[])[0]?.text).toMatch(
      new RegExp(`^Still running after ${BUDGET_SECONDS} s: job .* getVideoAnalysis`)
    );

    for (const file of fake.files.values()) file.pollsLeft = 0;
    const done = await client.callTool({ name: "getVideoAnalysis", arguments: { jobId: running.jobId, waitSeconds: 4 } });
    expect(snapshot(done)).toMatchObject({ jobId: running.jobId, status: "done" });
  });
});

describe("a client that gives up", () => {
  it("stops the job when the SDK client gives up on the call; the retry uploads nothing twice", { timeout: 90_000 }, async () => {
    // The SDK sends the same notifications/cancelled when its timeout fires as
    // when the caller aborts; aborting once Gemini has confirmed a chunk makes
    // the test independent of how fast a loaded machine gets there.
    const client = await connect();
    const video: FakeVideo = { size: 40 * MiB, delayMsPerBlock: 8 };
    const videoUrl = videos.add("/client-timeout.mp4", video);
    const uploadsBefore = fake.uploads.size;
    const giveUp = new AbortController();
    const call = client.callTool({ name: "analyzeRemoteVideo", arguments: { videoUrl } }, undefined, { signal: giveUp.signal });
    const rejected = expect(call).rejects.toThrow(/gave up/);
    await until(
      () => fake.uploads.size > uploadsBefore && ([...fake.uploads.values()].at(-1)?.chunkSizes.length ?? 0) > 0,
      "a confirmed chunk"
    );
    giveUp.abort(new Error("the caller gave up"));
    await rejected;
    const stoppedAt = [...fake.uploads.values()].at(-1)!;
    // Retry only once the server has stopped the job: a retry that overtook
    // the cancel would join the running job instead (and rightly so).
    let listed: Snapshot[] = [];
    await until(
      () => listed[0]?.status === "cancelled",
      "the job to stop",
      30_000,
      async () => {
        const list = await client.callTool({ name: "listVideoAnalyses", arguments: {} });
        listed = (list.structuredContent as { jobs: Snapshot[] }).jobs;
      }
    );
    const confirmed = stoppedAt.received;
    expect(confirmed).toBeGreaterThan(0);
    expect(confirmed).toBeLessThan(video.size);

    let retried = snapshot(await client.callTool({ name: "analyzeRemoteVideo", arguments: { videoUrl } }));
    for (let polls = 0; retried.status !== "done" && polls < 10; polls++) {
      const waited = await client.callTool({ name: "getVideoAnalysis", arguments: { jobId: retried.jobId, waitSeconds: 4 } });
      retried = snapshot(waited);
    }
    expect(retried).toMatchObject({ status: "done", bytesUploaded: video.size });
    expect(fake.uploads.size).toBe(uploadsBefore + 1);
    expect(stoppedAt.received).toBe(video.size);
    expect(stoppedAt.crc.digest()).toBe(videoCrc(video));
    // The retry read the source from the byte Gemini had confirmed, not from the start.
    const fromByte = videos.ranges.map((range) => Number(/^bytes=(\d+)-$/.exec(range ?? "")?.[1] ?? 0));
    expect(Math.max(...fromByte)).toBe(confirmed);
  });
});

describe("a video host that trickles", () => {
  it("fails the job within SOURCE_TOTAL_TIMEOUT_SECONDS, naming the host", { timeout: 60_000 }, async () => {
    const client = await connect();
    const videoUrl = videos.add("/trickle.mp4", { size: 10 * MiB, trickleMsPerByte: 1_000 });
    const started = snapshot(await client.callTool({ name: "startVideoAnalysis", arguments: { videoUrl } }));
    const startedAt = Date.now();
    let job = started;
    while (job.status !== "failed" && Date.now() - startedAt < 30_000) {
      job = snapshot(await client.callTool({ name: "getVideoAnalysis", arguments: { jobId: started.jobId, waitSeconds: 2 } }));
    }
    expect(job.status).toBe("failed");
    expect(Date.now() - startedAt).toBeLessThan((SOURCE_TOTAL_SECONDS + 6) * 1000);
    expect(job.error).toMatch(new RegExp(`^The download from 127\\.0\\.0\\.1:\\d+ took longer than ${SOURCE_TOTAL_SECONDS} s`));
  });
});

describe("a restart", () => {
  it("resumes every session's interrupted uploads by itself, whether or not a client comes back", {
    timeout: 150_000
  }, async () => {
    // The first client stays: its SDK transport reconnects its GET stream at once, a request
    // to its session right after the restart. The second leaves: no request wakes its session.
    const sessions = [await connect(), await connect()];
    const video: FakeVideo = { size: 30 * MiB, delayMsPerBlock: 6 };
    const jobs: Snapshot[] = [];
    for (const [index, client] of sessions.entries()) {
      const videoUrl = videos.add(`/restart-${index}.mp4`, video);
      jobs.push(snapshot(await client.callTool({ name: "startVideoAnalysis", arguments: { videoUrl } })));
    }
    await until(() => jobs.every((job) => (uploadFor(job.jobId)?.received ?? 0) >= 8 * MiB), "8 MiB of each upload");
    await sessions[1]!.close();
    await server.restart();
    const restartedAt = Date.now();
    await until(
      () => jobs.every((job) => uploadFor(job.jobId)?.file !== undefined),
      "both uploads to finish after the restart",
      90_000
    );
    const resumedWithinMs = Date.now() - restartedAt;
    for (const job of jobs) {
      const upload = uploadFor(job.jobId)!;
      expect(upload.received).toBe(video.size);
      expect(upload.crc.digest()).toBe(videoCrc(video));
    }
    expect(resumedWithinMs).toBeLessThan(60_000);
    for (const job of jobs) {
      const done = await sessions[0]!.callTool({ name: "getVideoAnalysis", arguments: { jobId: job.jobId, waitSeconds: 4 } });
      expect(snapshot(done)).toMatchObject({ status: "done" });
    }
  });
});
