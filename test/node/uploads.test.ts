/**
 * Uploads end to end on the real server (`wrangler dev`): tus-js-client
 * sending a large generated file through a loopback proxy that cuts the
 * connection twice, the whole Claude Code flow (createVideoUpload, its
 * command run with bash, transcribeVideo on the upload), and a server
 * killed mid-upload and started again on the same state.
 */
import { execFile } from "node:child_process";
import { createHash, type Hash } from "node:crypto";
import { createReadStream, mkdtempSync, openSync, closeSync, rmSync, writeSync } from "node:fs";
import { createServer, connect, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import * as tus from "tus-js-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Digest, FakeUpload } from "../support/fake-gemini";
import { startStack, type Stack } from "./support/stack";

const MiB = 1024 * 1024;
const CHUNK = 8 * MiB;
/** The 300 MB; UPLOAD_TEST_MB makes it smaller on a slow machine. */
const LARGE_BYTES = Number(process.env.UPLOAD_TEST_MB ?? 300) * 1_000_000;

class Sha256 implements Digest {
  private readonly hash: Hash = createHash("sha256");
  update(bytes: Uint8Array): void {
    this.hash.update(bytes);
  }
  digest(): string {
    return this.hash.copy().digest("hex");
  }
}

/** A file of `size` bytes that starts like an MP4 and differs in every block; its SHA-256. */
function writeVideo(path: string, size: number): string {
  const hash = createHash("sha256");
  const fd = openSync(path, "w");
  const block = Buffer.alloc(MiB);
  try {
    for (let offset = 0, index = 0; offset < size; offset += MiB, index++) {
      for (let i = 0; i < MiB; i += 4) block.writeUInt32LE((index * 2654435761 + i * 40503) >>> 0, i);
      if (offset === 0) block.write("\0\0\0\x20ftypisom", 0, "latin1");
      const piece = block.subarray(0, Math.min(MiB, size - offset));
      writeSync(fd, piece);
      hash.update(piece);
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest("hex");
}

/** A TCP proxy to `port` that cuts both sides of the connection once `cutAt[n]` bytes went up, each once. */
async function cuttingProxy(port: number, cutAt: number[]): Promise<{ url: string; cuts: () => number; close(): Promise<void> }> {
  let forwarded = 0;
  let cuts = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(port, "127.0.0.1");
    sockets.add(client).add(upstream);
    const cut = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("data", (data: Buffer) => {
      forwarded += data.byteLength;
      const next = cutAt[cuts];
      if (next !== undefined && forwarded >= next) {
        cuts += 1;
        cut();
        return;
      }
      if (!upstream.write(data)) client.pause();
    });
    upstream.on("drain", () => client.resume());
    upstream.pipe(client);
    client.on("error", cut).on("close", cut);
    upstream.on("error", cut).on("close", cut);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return {
    url: `http://127.0.0.1:${address.port}`,
    cuts: () => cuts,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      })
  };
}

/** tus-js-client sending `path` to `endpoint`, 64 MiB a PATCH, retrying what the server says it may. */
function tusUpload(
  path: string,
  size: number,
  endpoint: string,
  headers: Record<string, string>,
  onProgress?: (bytes: number) => void
) {
  return new Promise<string>((resolve, reject) => {
    const upload = new tus.Upload(createReadStream(path), {
      endpoint,
      uploadSize: size,
      chunkSize: 64 * MiB,
      headers,
      metadata: { filename: "generated.mp4" },
      retryDelays: [0, 500, 1000, 2000, 3000, 5000, 5000, 10_000, 10_000, 10_000, 20_000, 20_000, 30_000],
      onProgress: (bytes) => onProgress?.(bytes),
      onError: reject,
      onSuccess: () => resolve(upload.url ?? "")
    });
    upload.start();
  });
}

let stack: Stack;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "uploads-e2e-"));
  stack = await startStack({}, {}, () => new Sha256());
});

afterAll(async () => {
  await stack?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const auth = () => ({ Authorization: `Bearer ${stack.server.secret}` });

function onlyUploadSince(before: Set<string>): FakeUpload {
  const added = [...stack.gemini.uploads.values()].filter((upload) => !before.has(upload.id));
  expect(added).toHaveLength(1);
  return added[0]!;
}

/** Every chunk Gemini took once, at the offset after the one before: none was sent twice. */
function expectEachChunkOnce(upload: FakeUpload, size: number): void {
  expect(upload.received).toBe(size);
  expect(upload.sent).toBe(size);
  expect(upload.chunkSizes).toHaveLength(Math.ceil(size / CHUNK));
  expect(upload.chunkSizes.slice(0, -1).every((bytes) => bytes === CHUNK)).toBe(true);
}

describe("uploads on the real server", () => {
  it(`tus-js-client sends ${LARGE_BYTES / 1e6} MB through a proxy that cuts the connection twice`, async () => {
    const path = join(dir, "large.mp4");
    const sha256 = writeVideo(path, LARGE_BYTES);
    const port = Number(new URL(stack.server.baseUrl).port);
    const proxy = await cuttingProxy(port, [Math.floor(LARGE_BYTES * 0.3), Math.floor(LARGE_BYTES * 0.65)]);
    const before = new Set(stack.gemini.uploads.keys());
    const startedAt = Date.now();
    try {
      const url = await tusUpload(path, LARGE_BYTES, `${proxy.url}/uploads`, auth());
      expect(url).toMatch(/\/uploads\/[0-9a-f]{32}$/);
      expect(proxy.cuts()).toBe(2);
    } finally {
      await proxy.close();
    }
    console.log(`${LARGE_BYTES / 1e6} MB with two cuts in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
    const upload = onlyUploadSince(before);
    expectEachChunkOnce(upload, LARGE_BYTES);
    expect(upload.crc.digest()).toBe(sha256);
    expect(upload.mimeType).toBe("video/mp4");
  }, 300_000);

  it("Claude Code's flow: createVideoUpload, its command run with bash, transcribeVideo on the upload", async () => {
    const size = 100 * MiB + 12_345;
    const path = join(dir, "it's my talk.mp4");
    const sha256 = writeVideo(path, size);
    const before = new Set(stack.gemini.uploads.keys());
    const client = new Client({ name: "claude-code-like", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${stack.server.baseUrl}/mcp`), { requestInit: { headers: auth() } })
    );
    try {
      const created = await client.callTool({ name: "createVideoUpload", arguments: { fileName: path } });
      const { command, videoUrl } = created.structuredContent as { command: string; videoUrl: string };
      expect(command).not.toContain(stack.server.secret);
      const output = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) =>
        execFile("bash", ["-c", command], { timeout: 120_000, maxBuffer: 1 << 20 }, (error, stdout, stderr) =>
          error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve({ stdout, stderr })
        )
      );
      expect(output.stdout).toContain(`upload complete: ${size} bytes`);
      const upload = onlyUploadSince(before);
      expectEachChunkOnce(upload, size);
      expect(upload.crc.digest()).toBe(sha256);
      expect(upload.displayName).toBe("it's my talk.mp4");

      const transcript = { language: "en", segments: [{ start: "00:01", speaker: "Speaker 1", text: "Welcome to my talk." }] };
      stack.gemini.enqueue({ kind: "answer", chunks: [JSON.stringify(transcript)] });
      const result = await client.callTool({ name: "transcribeVideo", arguments: { videoUrl } });
      expect(result.isError).toBeFalsy();
      expect(JSON.stringify(result.content)).toContain("Welcome to my talk.");
      expect(JSON.stringify(stack.gemini.generateRequests().at(-1)?.body)).toContain(`"fileUri":"${upload.file!.uri}"`);
    } finally {
      await client.close();
    }
  }, 240_000);

  it("a server killed mid-upload and started again on the same state resumes from Gemini's acknowledged offset", async () => {
    const size = 160 * MiB + 3;
    const path = join(dir, "restart.mp4");
    const sha256 = writeVideo(path, size);
    const before = new Set(stack.gemini.uploads.keys());
    // Gemini takes a chunk mid-way through the second PATCH, and the server is killed before its answer
    // arrives: the offset the upload stored is one chunk behind what Gemini has.
    let restart: Promise<void> | undefined;
    stack.gemini.beforeChunkAnswer = async (upload) => {
      if (restart !== undefined || upload.received !== 64 * MiB + 3 * CHUNK) return;
      restart = stack.server.restart();
      await restart;
    };
    let url: string;
    try {
      url = await tusUpload(path, size, `${stack.server.baseUrl}/uploads`, auth());
    } finally {
      stack.gemini.beforeChunkAnswer = undefined;
    }
    expect(restart).toBeDefined();
    expect(url).toMatch(/\/uploads\/[0-9a-f]{32}$/);
    const upload = onlyUploadSince(before);
    expectEachChunkOnce(upload, size);
    expect(upload.crc.digest()).toBe(sha256);
  }, 300_000);
});
