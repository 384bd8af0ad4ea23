/**
 * Uploads in the lists before any analysis names them (each UploadDO reports
 * to the console's index), and a cancelled analysis's upload deleted when
 * nothing else reads it.
 */
import { env } from "cloudflare:workers";
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { CONSOLE_SESSION_HEADER } from "../../src/console/console-do";
import { consoleObject } from "../../src/session/console-reporter";
import { videoBytes, type FakeVideo } from "../support/fake-video";
import { connectTaskClient, MODERN } from "../support/task-client";
import { countingWorker } from "./support/counting-worker";
import { useFakes } from "./support/fetch-spy";
import { AUTH, authed, BASE_URL, openIdleSession, postJson } from "./support/http";
import { callTool, pollJob, snapshotOf, withAlarms } from "./support/session-calls";

const fakes = useFakes();
const MiB = 1024 * 1024;
const CHUNK = 8 * MiB;
const TUS = { "Tus-Resumable": "1.0.0" };
const OCTETS = { ...TUS, "Content-Type": "application/offset+octet-stream" };

interface ListedUpload {
  uploadId: string;
  videoUrl: string;
  fileName: string;
  sizeBytes: number | null;
  bytesReceived: number;
  state: string;
  progress: number;
}

async function create(length: number, fileName: string): Promise<string> {
  const response = await authed("/uploads", {
    method: "POST",
    headers: { ...TUS, "Upload-Length": String(length), "Upload-Metadata": `filename ${btoa(fileName)}` }
  });
  expect(response.status).toBe(201);
  return new URL(response.headers.get("Location")!).pathname.split("/").pop()!;
}

function patch(uploadId: string, offset: number, body: BodyInit): Promise<Response> {
  return authed(`/uploads/${uploadId}`, { method: "PATCH", headers: { ...OCTETS, "Upload-Offset": String(offset) }, body });
}

/** A session-less listVideoAnalyses: the uploads it lists. */
async function listedUploads(): Promise<ListedUpload[]> {
  const response = await postJson("/rpc", {
    jsonrpc: "2.0",
    id: 1,
    method: "tools/call",
    params: { name: "listVideoAnalyses", arguments: {} }
  });
  const body = (await response.json()) as { result: { structuredContent: { uploads?: ListedUpload[] } } };
  return body.result.structuredContent.uploads ?? [];
}

/** Polls `read` until `done` holds (at most 8 s), and returns the last value. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 8_000;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await read();
  }
  return value;
}

const listed = (uploadId: string) => async () => (await listedUploads()).find((upload) => upload.uploadId === uploadId);

describe("uploads in the lists", () => {
  it("listVideoAnalyses lists an upload no analysis names, with its progress, until it is deleted", async () => {
    const video: FakeVideo = { size: 2 * CHUNK };
    const uploadId = await create(video.size, "meeting.mp4");
    expect(await until(listed(uploadId), Boolean)).toEqual({
      uploadId,
      videoUrl: `upload:${uploadId}`,
      fileName: "meeting.mp4",
      sizeBytes: video.size,
      bytesReceived: 0,
      state: "uploading",
      progress: 0,
      expiresAt: expect.any(String)
    });
    expect((await patch(uploadId, 0, videoBytes(video, 0, CHUNK))).status).toBe(204);
    expect(await until(listed(uploadId), (upload) => upload?.bytesReceived === CHUNK)).toMatchObject({
      bytesReceived: CHUNK,
      progress: 50
    });
    expect((await authed(`/uploads/${uploadId}`, { method: "DELETE", headers: TUS })).status).toBe(204);
    expect(await until(listed(uploadId), (upload) => upload === undefined)).toBeUndefined();
  });

  it("leaves the list when it expires", async () => {
    const uploadId = await create(CHUNK, "lecture.mp4");
    expect(await until(listed(uploadId), Boolean)).toBeDefined();
    const stub = env.UPLOADS.get(env.UPLOADS.idFromName(uploadId));
    await runInDurableObject(stub, async (_instance, state) => {
      const record = (await state.storage.get<{ expiresAt: number }>("upload"))!;
      await state.storage.put("upload", { ...record, expiresAt: Date.now() - 1 });
    });
    await evictDurableObject(stub);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await until(listed(uploadId), (upload) => upload === undefined)).toBeUndefined();
  });

  it("streams uploads to the console: all at once, then each change", async () => {
    const console = consoleObject(env);
    const hash = crypto.randomUUID();
    await console.createSession(hash, Date.now() + 60_000);
    const uploadId = await create(CHUNK, "phone.mp4");
    await until(listed(uploadId), Boolean);
    const response = await console.fetch("https://console.internal/events", { headers: { [CONSOLE_SESSION_HEADER]: hash } });
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    /** Reads the stream until `pattern` is in it (at most 50 reads). */
    const readUntil = async (pattern: RegExp) => {
      for (let reads = 0; reads < 50 && !pattern.test(text); reads++) text += (await reader.read()).value ?? "";
      expect(text).toMatch(pattern);
    };
    await readUntil(/event: uploads\ndata: .*\n\n/);
    expect(text).toContain(`"uploadId":"${uploadId}"`);
    expect((await authed(`/uploads/${uploadId}`, { method: "DELETE", headers: TUS })).status).toBe(204);
    await readUntil(/event: upload\ndata: .*"state":"deleted".*\n\n/);
    await reader.cancel();
  });
});

describe("cancelling an upload's analyses", () => {
  /** A complete upload whose file Gemini keeps processing, so analyses of it stay running. */
  async function completeUpload(name: string) {
    const video: FakeVideo = { size: CHUNK };
    fakes.gemini.enqueueFiles({ pollsBeforeDone: 1_000 });
    const uploadId = await create(video.size, name);
    expect((await patch(uploadId, 0, videoBytes(video, 0, video.size))).status).toBe(204);
    const upload = [...fakes.gemini.uploads.values()].at(-1)!;
    expect(upload.file?.deleted).toBe(false);
    return { uploadId, file: upload.file! };
  }

  async function cancelled(sessionId: string, jobId: string): Promise<void> {
    expect(snapshotOf(await callTool(sessionId, "cancelVideoAnalysis", { jobId })).status).toBe("cancelled");
    const seen = await until(
      async () => (await consoleObject(env).get(jobId))?.job.state,
      (state) => state === "cancelled"
    );
    expect(seen).toBe("cancelled");
  }

  it("deletes the upload and its Gemini file when its only analysis is cancelled", async () => {
    const { uploadId, file } = await completeUpload("only.mp4");
    const sessionId = await openIdleSession();
    const started = snapshotOf(await callTool(sessionId, "startVideoAnalysis", { videoUrl: `upload:${uploadId}` }));
    await cancelled(sessionId, started.jobId);
    expect(await until(async () => file.deleted, Boolean)).toBe(true);
    expect((await authed(`/uploads/${uploadId}`, { method: "HEAD", headers: TUS })).status).toBe(410);
    expect(await until(listed(uploadId), (upload) => upload === undefined)).toBeUndefined();
  });

  it("deletes it when tasks/cancel cancels its only analysis", async () => {
    const { uploadId, file } = await completeUpload("task.mp4");
    const client = await connectTaskClient(new URL("/mcp", BASE_URL), countingWorker().fetch, AUTH);
    const meta = {
      "io.modelcontextprotocol/protocolVersion": MODERN,
      "io.modelcontextprotocol/clientCapabilities": { extensions: { "io.modelcontextprotocol/tasks": {} } },
      "io.modelcontextprotocol/clientInfo": { name: "raw", version: "1" }
    };
    const send = async (id: number, method: string, params: Record<string, unknown>) =>
      (await (await client.post({ jsonrpc: "2.0", id, method, params: { ...params, _meta: meta } })).json()) as {
        result?: { taskId?: string; resultType?: string };
      };
    try {
      const created = await send(1, "tools/call", {
        name: "analyzeRemoteVideo",
        arguments: { videoUrl: `upload:${uploadId}` }
      });
      const taskId = created.result?.taskId;
      expect(taskId).toEqual(expect.any(String));
      expect((await send(2, "tasks/cancel", { taskId })).result).toMatchObject({ resultType: "complete" });
      expect(await until(async () => file.deleted, Boolean)).toBe(true);
    } finally {
      await client.close();
    }
  });

  it("keeps it while another analysis still reads it", async () => {
    const { uploadId, file } = await completeUpload("shared.mp4");
    const sessionId = await openIdleSession();
    const videoUrl = `upload:${uploadId}`;
    const first = snapshotOf(await callTool(sessionId, "startVideoAnalysis", { videoUrl }));
    const second = snapshotOf(await callTool(sessionId, "startVideoAnalysis", { videoUrl, prompt: "Who speaks?" }));
    await until(
      async () => (await consoleObject(env).get(second.jobId))?.job.state,
      (state) => state !== undefined
    );
    await cancelled(sessionId, first.jobId);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(file.deleted).toBe(false);
    expect((await authed(`/uploads/${uploadId}`, { method: "HEAD", headers: TUS })).status).toBe(200);
    // The last one cancelled: now nothing reads it.
    await cancelled(sessionId, second.jobId);
    expect(await until(async () => file.deleted, Boolean)).toBe(true);
  });
});

describe("a done analysis of an upload", () => {
  it("keeps the upload when another analysis of it is cancelled: its follow-ups read the same file", async () => {
    const video: FakeVideo = { size: CHUNK };
    const uploadId = await create(video.size, "kept.mp4");
    expect((await patch(uploadId, 0, videoBytes(video, 0, video.size))).status).toBe(204);
    const file = [...fakes.gemini.uploads.values()].at(-1)!.file!;
    const videoUrl = `upload:${uploadId}`;
    const sessionId = await openIdleSession();
    const done = snapshotOf(await callTool(sessionId, "startVideoAnalysis", { videoUrl }));
    await withAlarms(
      sessionId,
      pollJob(sessionId, done.jobId, (job) => job.status === "done")
    );
    fakes.gemini.enqueue({ kind: "answer", chunks: Array.from({ length: 50 }, (_, i) => `part ${i} `), chunkDelayMs: 100 });
    const running = snapshotOf(await callTool(sessionId, "startVideoAnalysis", { videoUrl, prompt: "Again?" }));
    expect(snapshotOf(await callTool(sessionId, "cancelVideoAnalysis", { jobId: running.jobId })).status).toBe("cancelled");
    expect(
      await until(
        async () => (await consoleObject(env).get(running.jobId))?.job.state,
        (state) => state === "cancelled"
      )
    ).toBe("cancelled");
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(file.deleted).toBe(false);
    expect((await authed(`/uploads/${uploadId}`, { method: "HEAD", headers: TUS })).status).toBe(200);
  });
});

describe("an upload ended while a PATCH streams", () => {
  it("stays deleted: the PATCH stops at its next chunk with 410, the rest never reaches Gemini", async () => {
    const video: FakeVideo = { size: 3 * CHUNK };
    const uploadId = await create(video.size, "streaming.mp4");
    const { readable: body, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const push = writable.getWriter();
    const patching = authed(`/uploads/${uploadId}`, {
      method: "PATCH",
      headers: { ...OCTETS, "Upload-Offset": "0", "Content-Length": String(video.size) },
      body,
      duplex: "half"
    } as RequestInit);
    void push.write(videoBytes(video, 0, CHUNK));
    const upload = await until(
      async () => [...fakes.gemini.uploads.values()].at(-1),
      (found) => found !== undefined && found.sent === CHUNK
    );
    expect(upload?.sent).toBe(CHUNK);
    expect((await authed(`/uploads/${uploadId}`, { method: "DELETE", headers: TUS })).status).toBe(204);
    void push.write(videoBytes(video, CHUNK, video.size));
    void push.close();
    const refused = await patching;
    expect(refused.status).toBe(410);
    expect(upload!.sent).toBeLessThanOrEqual(2 * CHUNK);
    expect((await authed(`/uploads/${uploadId}`, { method: "HEAD", headers: TUS })).status).toBe(410);
    expect(await until(listed(uploadId), (found) => found === undefined)).toBeUndefined();
  });
});
