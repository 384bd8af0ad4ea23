import { env } from "cloudflare:workers";
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { issueCapability } from "../../src/ids/upload-capability";
import { TEST_SHARED_SECRET, TEST_SOURCE_TIMEOUT_SECONDS } from "../constants";
import { videoBytes, videoCrc, type FakeVideo } from "../support/fake-video";
import { useFakes } from "./support/fetch-spy";
import { authed, call, openIdleSession, postJson } from "./support/http";
import { callTool, pollJob, snapshotOf, withAlarms } from "./support/session-calls";

const fakes = useFakes();
const MiB = 1024 * 1024;
const CHUNK = 8 * MiB;
const TUS = { "Tus-Resumable": "1.0.0" };
const OCTETS = { ...TUS, "Content-Type": "application/offset+octet-stream" };

function onlyUpload() {
  const uploads = [...fakes.gemini.uploads.values()];
  expect(uploads).toHaveLength(1);
  return uploads[0]!;
}

async function create(length: number, headers: Record<string, string> = {}): Promise<string> {
  const response = await authed("/uploads", { method: "POST", headers: { ...TUS, "Upload-Length": String(length), ...headers } });
  expect(response.status).toBe(201);
  const location = response.headers.get("Location")!;
  expect(location).toMatch(/^https:\/\/mcp\.test\/uploads\/[0-9a-f]{32}$/);
  return new URL(location).pathname;
}

function patch(path: string, offset: number, body: BodyInit, headers: Record<string, string> = {}): Promise<Response> {
  return authed(path, { method: "PATCH", headers: { ...OCTETS, "Upload-Offset": String(offset), ...headers }, body });
}

async function offsetOf(path: string, headers: Record<string, string> = {}): Promise<number> {
  const response = await authed(path, { method: "HEAD", headers: { ...TUS, ...headers } });
  expect(response.status).toBe(200);
  return Number(response.headers.get("Upload-Offset"));
}

/** A refusal's status and, but for HEAD (which has no body), its code and message. */
async function refusal(response: Response): Promise<{ status: number; code?: string; message?: string }> {
  expect(response.headers.get("Tus-Resumable")).toBe("1.0.0");
  const text = await response.text();
  if (!text) return { status: response.status };
  const body = JSON.parse(text) as { error: { code: string; message: string } };
  expect(body.error.message.length).toBeGreaterThan(20);
  return { status: response.status, ...body.error };
}

/** A session-less createVideoUpload, as a 2025-era /rpc caller sends it. */
async function createVideoUpload(args: Record<string, unknown>) {
  const response = await postJson("/rpc", {
    jsonrpc: "2.0",
    id: 1,
    method: "tools/call",
    params: { name: "createVideoUpload", arguments: args }
  });
  const body = (await response.json()) as {
    result: { isError?: boolean; content: { text: string }[]; structuredContent: Record<string, string> };
  };
  return body.result;
}

describe("tus at /uploads", () => {
  it("says its version, extensions and limits on OPTIONS", async () => {
    const response = await call("/uploads", { method: "OPTIONS" });
    expect(response.status).toBe(204);
    expect(Object.fromEntries(response.headers)).toMatchObject({
      "tus-resumable": "1.0.0",
      "tus-version": "1.0.0",
      "tus-extension": "creation,creation-with-upload,termination,expiration",
      "tus-max-size": String(2 * 1024 ** 3),
      "upload-max-chunk-size": String(64 * MiB)
    });
  });

  it("streams PATCHes to Gemini in 8 MiB chunks; HEAD's offset is what Gemini acknowledged", async () => {
    const video: FakeVideo = { size: 20 * MiB + 5 };
    const path = await create(video.size, { "Upload-Metadata": `filename ${btoa("clip.mp4")}` });
    expect(await offsetOf(path)).toBe(0);
    // 10 MiB: one whole chunk is kept, the 2 MiB after it are not.
    const first = await patch(path, 0, videoBytes(video, 0, 10 * MiB));
    expect(first.status).toBe(204);
    expect(first.headers.get("Upload-Offset")).toBe(String(CHUNK));
    expect(await offsetOf(path)).toBe(CHUNK);
    const rest = await patch(path, CHUNK, videoBytes(video, CHUNK, video.size));
    expect(rest.status).toBe(204);
    expect(rest.headers.get("Upload-Offset")).toBe(String(video.size));

    const upload = onlyUpload();
    expect(upload.received).toBe(video.size);
    expect(upload.sent).toBe(video.size);
    expect(upload.crc.digest()).toBe(videoCrc(video));
    expect(upload.chunkSizes).toEqual([CHUNK, CHUNK, video.size - 2 * CHUNK]);
    expect(upload.mimeType).toBe("video/mp4");
    expect(upload.displayName).toBe("clip.mp4");
    expect(upload.file).toBeDefined();
    // Complete: nothing more is taken.
    expect((await refusal(await patch(path, video.size, new Uint8Array(1)))).status).toBe(409);
  });

  it("takes the first bytes with the creation (creation-with-upload)", async () => {
    const video: FakeVideo = { size: CHUNK + 100 };
    const response = await authed("/uploads", {
      method: "POST",
      headers: { ...OCTETS, "Upload-Length": String(video.size) },
      body: videoBytes(video, 0, video.size)
    });
    expect(response.status).toBe(201);
    expect(response.headers.get("Upload-Offset")).toBe(String(video.size));
    expect(onlyUpload().crc.digest()).toBe(videoCrc(video));
  });

  it("refuses bad requests with tus's status codes and a readable message, and loses nothing", async () => {
    const video: FakeVideo = { size: 12 * MiB };
    const path = await create(video.size);
    const noVersion = await authed(path, { method: "HEAD" });
    expect(noVersion.status).toBe(412);
    expect(noVersion.headers.get("Tus-Version")).toBe("1.0.0");
    expect(await refusal(await patch(path, 0, videoBytes(video, 0, 100), { "Content-Type": "text/plain" }))).toMatchObject({
      status: 415,
      code: "wrong_content_type"
    });
    expect(await refusal(await patch(path, 5, videoBytes(video, 5, 100)))).toMatchObject({
      status: 409,
      code: "offset_mismatch"
    });
    expect(await refusal(await patch(path, 0, new Uint8Array(video.size + 1)))).toMatchObject({
      status: 413,
      code: "past_upload_length"
    });
    expect(await refusal(await patch(path, 0, new Uint8Array(65 * MiB)))).toMatchObject({ status: 413 });
    const tooBig = await authed("/uploads", { method: "POST", headers: { ...TUS, "Upload-Length": String(3 * 1024 ** 3) } });
    expect(await refusal(tooBig)).toMatchObject({ status: 413, code: "upload_too_large" });
    const noLength = await authed("/uploads", { method: "POST", headers: { ...TUS, "Upload-Defer-Length": "1" } });
    expect(await refusal(noLength)).toMatchObject({ status: 400, code: "length_required" });
    // Text is no video: refused from its first bytes, and nothing goes to Gemini.
    const text = new TextEncoder().encode("hello, this is not a video at all ".repeat(200));
    const notVideo = await create(text.byteLength);
    expect(await refusal(await patch(notVideo, 0, text))).toMatchObject({ status: 415, code: "not_a_video" });
    expect(await offsetOf(notVideo)).toBe(0);
    expect(fakes.gemini.uploads.size).toBe(0);
    // Unknown, then deleted.
    expect((await refusal(await authed(`/uploads/${"0".repeat(32)}`, { method: "HEAD", headers: TUS }))).status).toBe(404);
    const deleted = await authed(path, { method: "DELETE", headers: TUS });
    expect(deleted.status).toBe(204);
    expect(await refusal(await authed(path, { method: "HEAD", headers: TUS }))).toMatchObject({ status: 410 });
    expect(await refusal(await authed(path, { method: "DELETE", headers: TUS }))).toMatchObject({
      status: 410,
      code: "upload_deleted"
    });
    expect((await refusal(await patch(path, 0, videoBytes(video, 0, 100)))).status).toBe(410);
    // Nothing was ever taken by the refusals above.
    expect(fakes.gemini.uploads.size).toBe(0);
  });

  it("refuses a second PATCH while one runs, and keeps the first one's bytes", async () => {
    const video: FakeVideo = { size: 2 * CHUNK };
    const path = await create(video.size);
    let feed!: ReadableStreamDefaultController<Uint8Array>;
    const slow = new ReadableStream<Uint8Array>({
      start(controller) {
        feed = controller;
      }
    });
    const first = patch(path, 0, slow, { "Content-Length": String(video.size) });
    feed.enqueue(videoBytes(video, 0, CHUNK));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const second = await patch(path, 0, videoBytes(video, 0, 100));
    expect(await refusal(second)).toMatchObject({ status: 423, code: "upload_locked" });
    feed.enqueue(videoBytes(video, CHUNK, video.size));
    feed.close();
    const done = await first;
    expect(done.status).toBe(204);
    expect(done.headers.get("Upload-Offset")).toBe(String(video.size));
    expect(onlyUpload().crc.digest()).toBe(videoCrc(video));
  });

  it("ends a PATCH whose body sends nothing for SOURCE_IDLE_TIMEOUT_SECONDS: its whole chunks are kept, the rest is sent again", async () => {
    const video: FakeVideo = { size: 2 * CHUNK };
    const path = await create(video.size);
    const stalled = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(videoBytes(video, 0, CHUNK + 100));
      }
    });
    const started = Date.now();
    const cut = await patch(path, 0, stalled, { "Content-Length": String(video.size) });
    expect(Date.now() - started).toBeGreaterThanOrEqual(TEST_SOURCE_TIMEOUT_SECONDS * 1000);
    expect(cut.status).toBe(204);
    expect(cut.headers.get("Upload-Offset")).toBe(String(CHUNK));
    expect(await offsetOf(path)).toBe(CHUNK);
    const rest = await patch(path, CHUNK, videoBytes(video, CHUNK, video.size));
    expect(rest.status).toBe(204);
    expect(rest.headers.get("Upload-Offset")).toBe(String(video.size));
    const upload = onlyUpload();
    expect(upload.crc.digest()).toBe(videoCrc(video));
    expect(upload.sent).toBe(video.size);
  });

  it("asks for credentials", async () => {
    const response = await call("/uploads", { method: "POST", headers: { ...TUS, "Upload-Length": "10" } });
    expect(response.status).toBe(401);
  });
});

describe("createVideoUpload and its one-time capability", () => {
  it("returns the upload, its tus URL, its page link and a command; the capability reaches that upload only", async () => {
    const result = await createVideoUpload({ fileName: "/home/me/talk.mp4" });
    expect(result.isError).toBeUndefined();
    const created = result.structuredContent;
    expect(created.uploadId).toMatch(/^[0-9a-f]{32}$/);
    expect(created.videoUrl).toBe(`upload:${created.uploadId}`);
    expect(created.tusUrl).toBe(`https://mcp.test/uploads/${created.uploadId}`);
    const page = new URL(created.uploadPageUrl!);
    expect(page.pathname).toBe(`/upload/${created.uploadId}`);
    expect(page.search).toBe("");
    const capability = page.hash.slice(1);
    expect(created.command).toContain(capability);
    expect(Date.parse(created.linkExpiresAt!) - Date.now()).toBeLessThanOrEqual(3600_000);

    const withCapability = { ...TUS, "Upload-Capability": capability };
    // No length yet: the page or the command says it with a POST.
    const head = await call(`/uploads/${created.uploadId}`, { method: "HEAD", headers: withCapability });
    expect(head.status).toBe(200);
    expect(head.headers.get("Upload-Defer-Length")).toBe("1");
    expect(head.headers.get("Upload-Capability-Expires")).toBe(new Date(Date.parse(created.linkExpiresAt!)).toUTCString());
    const video: FakeVideo = { size: CHUNK + 1 };
    const adopt = () => call("/uploads", { method: "POST", headers: { ...withCapability, "Upload-Length": String(video.size) } });
    const adopted = await adopt();
    expect(adopted.status).toBe(201);
    expect(adopted.headers.get("Location")).toBe(created.tusUrl);
    // Again (a reload, the command run twice): the same upload.
    expect((await adopt()).headers.get("Location")).toBe(created.tusUrl);
    const other = await call("/uploads", {
      method: "POST",
      headers: { ...withCapability, "Upload-Length": String(video.size + 1) }
    });
    expect(await refusal(other)).toMatchObject({ status: 409, code: "length_mismatch" });
    const sent = await call(created.tusUrl!, {
      method: "PATCH",
      headers: { ...OCTETS, "Upload-Capability": capability, "Upload-Offset": "0" },
      body: videoBytes(video, 0, video.size)
    });
    expect(sent.status).toBe(204);
    expect(onlyUpload().crc.digest()).toBe(videoCrc(video));

    // Another upload, a deletion, an expired or forged capability.
    const otherPath = await create(100);
    expect(await refusal(await call(otherPath, { method: "DELETE", headers: withCapability }))).toMatchObject({
      status: 403,
      code: "capability_wrong_upload"
    });
    expect((await call(otherPath, { method: "HEAD", headers: withCapability })).status).toBe(403);
    expect(await refusal(await call(created.tusUrl!, { method: "DELETE", headers: withCapability }))).toMatchObject({
      status: 403,
      code: "capability_cannot_delete"
    });
    const expired = await issueCapability(TEST_SHARED_SECRET, created.uploadId!, Date.now() - 1000);
    expect(
      await refusal(
        await call(created.tusUrl!, {
          method: "PATCH",
          headers: { ...OCTETS, "Upload-Capability": expired, "Upload-Offset": "0" }
        })
      )
    ).toMatchObject({ status: 401, code: "capability_expired" });
    const forged = `${capability.slice(0, -1)}${capability.endsWith("0") ? "1" : "0"}`;
    expect(
      await refusal(
        await call(created.tusUrl!, {
          method: "PATCH",
          headers: { ...OCTETS, "Upload-Capability": forged, "Upload-Offset": "0" }
        })
      )
    ).toMatchObject({ status: 401, code: "capability_invalid" });
  });

  it("serves the one-time page with no secret, no referrer and the console's CSP", async () => {
    const created = (await createVideoUpload({ fileName: "talk.mp4", sizeBytes: 1000 })).structuredContent;
    const page = await call(new URL(created.uploadPageUrl!).pathname);
    expect(page.status).toBe(200);
    expect(page.headers.get("Referrer-Policy")).toBe("no-referrer");
    expect(page.headers.get("Content-Security-Policy")).toContain("default-src 'none'");
    expect(page.headers.get("Content-Type")).toContain("text/html");
    await page.body?.cancel();
  });

  it("refuses a size over MAX_UPLOAD_BYTES", async () => {
    const result = await createVideoUpload({ fileName: "huge.mp4", sizeBytes: 3 * 1024 ** 3 });
    expect(result.isError).toBe(true);
    expect(result.content[0]?.text).toContain("MAX_UPLOAD_BYTES");
  });
});

describe("analyses of an upload (videoUrl upload:<id>)", () => {
  it("waits for the upload with its percentage, then reads the upload's file; a second analysis reuses it", async () => {
    const video: FakeVideo = { size: 4 * CHUNK };
    const path = await create(video.size);
    const videoUrl = `upload:${path.split("/").pop()}`;
    expect((await patch(path, 0, videoBytes(video, 0, CHUNK))).status).toBe(204);
    const sessionId = await openIdleSession();
    const started = snapshotOf(await callTool(sessionId, "startVideoAnalysis", { videoUrl, prompt: "What happens?" }));
    expect(started.videoUrl).toBe(videoUrl);
    const waiting = await withAlarms(
      sessionId,
      pollJob(sessionId, started.jobId, (job) => job.message === "waiting for the upload: 25 %")
    );
    expect(waiting.status).toBe("uploading");
    expect((await patch(path, CHUNK, videoBytes(video, CHUNK, video.size))).status).toBe(204);
    const done = await withAlarms(
      sessionId,
      pollJob(sessionId, started.jobId, (job) => job.status === "done")
    );
    expect(done.bytesUploaded).toBe(video.size);
    const upload = onlyUpload();
    expect(fakes.gemini.generateRequests()[0]?.body).toMatchObject({
      contents: [{ parts: [{ fileData: { fileUri: upload.file!.uri, mimeType: "video/mp4" } }, { text: "What happens?" }] }]
    });
    // Another analysis, session-less, reads the same file: nothing is uploaded again.
    const again = await postJson("/rpc", {
      jsonrpc: "2.0",
      id: 2,
      method: "tools/call",
      params: { name: "analyzeRemoteVideo", arguments: { videoUrl } }
    });
    const answer = (await again.json()) as { result: { isError?: boolean; content: unknown } };
    expect(answer.result.isError).toBeUndefined();
    expect(fakes.gemini.uploads.size).toBe(1);
    expect(upload.sent).toBe(video.size);
    // The file is the upload's: no analysis deleted it; deleting the upload does.
    expect(upload.file!.deleted).toBe(false);
    expect((await authed(path, { method: "DELETE", headers: TUS })).status).toBe(204);
    expect(upload.file!.deleted).toBe(true);
  });

  it("ends a waiting analysis with a clear error when its upload is deleted", async () => {
    const path = await create(CHUNK * 2);
    const videoUrl = `upload:${path.split("/").pop()}`;
    const sessionId = await openIdleSession();
    const started = snapshotOf(await callTool(sessionId, "startVideoAnalysis", { videoUrl }));
    await withAlarms(
      sessionId,
      pollJob(sessionId, started.jobId, (job) => job.message === "waiting for the upload: 0 %")
    );
    expect((await authed(path, { method: "DELETE", headers: TUS })).status).toBe(204);
    const failed = await withAlarms(
      sessionId,
      pollJob(sessionId, started.jobId, (job) => job.status === "failed")
    );
    expect(failed.error).toMatch(/^The upload [0-9a-f]{32} was deleted; upload the file again with createVideoUpload\.$/);
  });

  it("refuses a malformed upload id at once", async () => {
    const result = await callTool(await openIdleSession(), "startVideoAnalysis", { videoUrl: "upload:nope" });
    expect(result.isError).toBe(true);
    expect(result.content[0]?.text).toContain("must name an upload");
  });
});

describe("expiration", () => {
  it("deletes the Gemini file when the upload expires; the id then answers 410 and analyses fail clearly", async () => {
    const video: FakeVideo = { size: CHUNK };
    const path = await create(video.size);
    const uploadId = path.split("/").pop()!;
    const created = await authed(path, { method: "HEAD", headers: TUS });
    const expires = Date.parse(created.headers.get("Upload-Expires")!);
    expect(expires - Date.now()).toBeGreaterThan(23 * 3600_000);
    expect(expires - Date.now()).toBeLessThanOrEqual(24 * 3600_000);
    expect((await patch(path, 0, videoBytes(video, 0, video.size))).status).toBe(204);
    const upload = onlyUpload();
    expect(upload.file!.deleted).toBe(false);

    const stub = env.UPLOADS.get(env.UPLOADS.idFromName(uploadId));
    // A day on: its expiry is now.
    await runInDurableObject(stub, async (_instance, state) => {
      const record = (await state.storage.get<{ expiresAt: number }>("upload"))!;
      await state.storage.put("upload", { ...record, expiresAt: Date.now() - 1 });
    });
    await evictDurableObject(stub);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(upload.file!.deleted).toBe(true);
    expect(await refusal(await patch(path, CHUNK, new Uint8Array(1)))).toMatchObject({ status: 410, code: "upload_expired" });

    const sessionId = await openIdleSession();
    const started = snapshotOf(await callTool(sessionId, "startVideoAnalysis", { videoUrl: `upload:${uploadId}` }));
    const failed = await withAlarms(
      sessionId,
      pollJob(sessionId, started.jobId, (job) => job.status === "failed")
    );
    expect(failed.error).toBe(`The upload ${uploadId} expired; upload the file again with createVideoUpload.`);
  });
});

describe("the console's cookie", () => {
  it("lets the console's own pages upload, and no other site", async () => {
    const signedIn = await call("/console/api/sign-in", {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: "https://mcp.test", "CF-Connecting-IP": "192.0.2.250" },
      body: JSON.stringify({ secret: TEST_SHARED_SECRET })
    });
    expect(signedIn.status).toBe(200);
    const cookie = signedIn.headers.get("Set-Cookie")!.split(";")[0]!;
    const create = (headers: Record<string, string>) =>
      call("/uploads", { method: "POST", headers: { ...TUS, "Upload-Length": "100", Cookie: cookie, ...headers } });
    const own = await create({ Origin: "https://mcp.test", "Sec-Fetch-Site": "same-origin" });
    expect(own.status).toBe(201);
    expect(own.headers.get("Location")).toMatch(/^https:\/\/mcp\.test\/uploads\/[0-9a-f]{32}$/);
    expect(await refusal(await create({ "Sec-Fetch-Site": "cross-site" }))).toMatchObject({
      status: 403,
      code: "cross_site_request"
    });
    const forgotten = await call("/uploads", {
      method: "POST",
      headers: { ...TUS, "Upload-Length": "100", Cookie: `__Host-console=${"ab".repeat(64)}`, Origin: "https://mcp.test" }
    });
    expect(forgotten.status).toBe(401);
  });
});
