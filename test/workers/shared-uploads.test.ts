/**
 * Uploads shared across sessions: a second 2025-era session asking about a
 * video another session uploaded reads that file; the file outlives its
 * uploader's session only when another read it, then goes with the video's
 * own object; a deleted file is never handed out again.
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { sessionIds } from "../../src/ids/signed-session-id";
import { sourceSessionId } from "../../src/session/source-affinity";
import { TEST_SHARED_SECRET } from "../constants";
import { useFakes } from "./support/fetch-spy";
import { authed, initializeMcpSession, openIdleSession, sessionStub } from "./support/http";
import { callTool, pollJob, runNextTimer, snapshotOf, withAlarms } from "./support/session-calls";

const fakes = useFakes();
const MiB = 1024 * 1024;
const DAY_MS = 24 * 60 * 60 * 1000;

const endSession = (sessionId: string) => authed("/mcp", { method: "DELETE", headers: { "Mcp-Session-Id": sessionId } });

describe("uploads shared across sessions", () => {
  it("a second session reads the file the first uploaded, and the first's end leaves it to the video's object", async () => {
    const videoUrl = fakes.videos.add("/shared-talk.mp4", { size: 3 * MiB, etag: '"v1"' });
    const first = await initializeMcpSession();
    expect(snapshotOf(await callTool(first, "analyzeRemoteVideo", { videoUrl })).status).toBe("done");
    const second = await openIdleSession();
    const reused = await callTool(second, "analyzeRemoteVideo", { videoUrl, prompt: "Who speaks?" });
    expect(reused.structuredContent).toMatchObject({ status: "done", reusedUpload: true });
    expect(fakes.gemini.uploads.size).toBe(1);
    const [file] = [...fakes.gemini.files.values()];

    expect((await endSession(first)).status).toBe(200);
    expect(file!.deleted).toBe(false);
    const again = await callTool(second, "askAboutVideo", { videoUrl, question: "And then?" });
    expect(again.structuredContent).toMatchObject({ status: "done", reusedUpload: true });

    // The video's object ends a SESSION_TTL_SECONDS after the video was last asked about, and the file with it.
    const keeper = sessionStub(await sourceSessionId(sessionIds(TEST_SHARED_SECRET), new URL(videoUrl).href));
    await runNextTimer(keeper);
    expect(file!.deleted).toBe(false);
    await runInDurableObject(keeper, (_instance, state) => {
      state.storage.sql.exec("UPDATE shared_uploads SET used_at = ?", Date.now() - DAY_MS - 1000);
    });
    await runNextTimer(keeper);
    expect(file!.deleted).toBe(true);
    expect(fakes.gemini.uploads.size).toBe(1);
  });

  it("a session's end deletes its file as before when no other session read it", async () => {
    const videoUrl = fakes.videos.add("/alone.mp4", { size: 2 * MiB, etag: '"v1"' });
    const only = await initializeMcpSession();
    await callTool(only, "analyzeRemoteVideo", { videoUrl });
    expect((await endSession(only)).status).toBe(200);
    expect([...fakes.gemini.files.values()][0]?.deleted).toBe(true);
    const later = await openIdleSession();
    const fresh = await callTool(later, "analyzeRemoteVideo", { videoUrl });
    expect(fresh.structuredContent).not.toHaveProperty("reusedUpload");
    expect(fakes.gemini.uploads.size).toBe(2);
  });

  it("a file its session deleted (cancelVideoAnalysis) is not handed to another session", async () => {
    const videoUrl = fakes.videos.add("/withdrawn.mp4", { size: 2 * MiB, etag: '"v1"' });
    fakes.gemini.enqueue({ kind: "answer", chunks: Array.from({ length: 40 }, () => "slow "), chunkDelayMs: 100 });
    const first = await openIdleSession();
    const { jobId } = snapshotOf(await callTool(first, "startVideoAnalysis", { videoUrl }));
    await withAlarms(
      first,
      pollJob(first, jobId, (job) => job.status === "generating")
    );
    await callTool(first, "cancelVideoAnalysis", { jobId });
    expect([...fakes.gemini.files.values()][0]?.deleted).toBe(true);
    const second = await openIdleSession();
    const fresh = await callTool(second, "analyzeRemoteVideo", { videoUrl });
    expect(fresh.structuredContent).toMatchObject({ status: "done" });
    expect(fresh.structuredContent).not.toHaveProperty("reusedUpload");
    expect(fakes.gemini.uploads.size).toBe(2);
  });

  it("a file another session read survives its uploader's cancel and end, and the reader goes on with it", async () => {
    const videoUrl = fakes.videos.add("/borrowed.mp4", { size: 2 * MiB, etag: '"v1"' });
    fakes.gemini.enqueue(
      { kind: "answer", chunks: Array.from({ length: 40 }, () => "slow "), chunkDelayMs: 100 },
      { kind: "answer", chunks: ["read by the second session"] },
      { kind: "answer", chunks: ["still readable"] }
    );
    const uploader = await initializeMcpSession();
    const { jobId } = snapshotOf(await callTool(uploader, "startVideoAnalysis", { videoUrl }));
    await withAlarms(
      uploader,
      pollJob(uploader, jobId, (job) => job.status === "generating")
    );
    const reader = await openIdleSession();
    // Spelt differently: the same video, the same register.
    const upperCase = videoUrl.replace(/^http:/, "HTTP:");
    const read = await callTool(reader, "analyzeRemoteVideo", { videoUrl: upperCase, prompt: "Who speaks?" });
    expect(read.structuredContent).toMatchObject({ status: "done", reusedUpload: true });
    const [file] = [...fakes.gemini.files.values()];

    await callTool(uploader, "cancelVideoAnalysis", { jobId });
    expect((await endSession(uploader)).status).toBe(200);
    expect(file!.deleted).toBe(false);
    const followUp = await callTool(reader, "askAboutVideo", { videoUrl: upperCase, question: "And then?" });
    expect(followUp.structuredContent).toMatchObject({ status: "done", reusedUpload: true });
    expect(fakes.gemini.uploads.size).toBe(1);
  });

  it("a newer version of the source takes the register's place, and the adopted older file goes", async () => {
    const path = "/versions.mp4";
    const videoUrl = fakes.videos.add(path, { size: 2 * MiB, etag: '"v1"' });
    const first = await initializeMcpSession();
    await callTool(first, "analyzeRemoteVideo", { videoUrl });
    await callTool(await openIdleSession(), "analyzeRemoteVideo", { videoUrl, prompt: "Who speaks?" });
    expect((await endSession(first)).status).toBe(200);
    const [older] = [...fakes.gemini.files.values()];
    expect(older!.deleted).toBe(false);

    fakes.videos.add(path, { size: 2 * MiB, etag: '"v2"' });
    const newer = await callTool(await openIdleSession(), "analyzeRemoteVideo", { videoUrl });
    expect(newer.structuredContent).not.toHaveProperty("reusedUpload");
    expect(older!.deleted).toBe(true);
    const latest = await callTool(await openIdleSession(), "analyzeRemoteVideo", { videoUrl, prompt: "Again?" });
    expect(latest.structuredContent).toMatchObject({ status: "done", reusedUpload: true });
    expect(fakes.gemini.uploads.size).toBe(2);
  });

  it("a session-less call reads a session's upload, and a session reads a session-less call's", async () => {
    const fromSession = fakes.videos.add("/from-session.mp4", { size: 2 * MiB, etag: '"v1"' });
    const session = await openIdleSession();
    await callTool(session, "analyzeRemoteVideo", { videoUrl: fromSession });
    const rpc = await authed("/rpc", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name: "analyzeRemoteVideo", arguments: { videoUrl: fromSession, prompt: "Again?" } }
      })
    });
    expect(((await rpc.json()) as { result: { structuredContent: unknown } }).result.structuredContent).toMatchObject({
      status: "done",
      reusedUpload: true
    });
    expect(fakes.gemini.uploads.size).toBe(1);

    const fromCall = fakes.videos.add("/from-call.mp4", { size: 2 * MiB, etag: '"v1"' });
    await authed("/rpc", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 2,
        method: "tools/call",
        params: { name: "analyzeRemoteVideo", arguments: { videoUrl: fromCall } }
      })
    });
    const afterCall = await callTool(session, "analyzeRemoteVideo", { videoUrl: fromCall });
    expect(afterCall.structuredContent).toMatchObject({ status: "done", reusedUpload: true });
    expect(fakes.gemini.uploads.size).toBe(2);
  });
});
