/**
 * End to end: the real server (workerd via wrangler, as `npm run dev` runs it), a fake Gemini on another
 * loopback port, and the clients people use: raw SSE as curl sees it, the
 * official SDK client over both HTTP transports, and mcp-remote (stdio, as
 * Claude Desktop runs it) in both of its transport modes.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { Progress } from "@modelcontextprotocol/sdk/types.js";
import { createParser } from "eventsource-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeGemini } from "../support/fake-gemini";
import { videoCrc, type FakeVideoHost } from "../support/fake-video";
import type { DevServer } from "./support/dev-server";
import { startStack, type Stack } from "./support/stack";
import { rawRequest } from "./support/raw-http";

let fake: FakeGemini;
let videos: FakeVideoHost;
let server: DevServer;
let stack: Stack;
let mcpRemoteConfigDir: string;

beforeAll(async () => {
  stack = await startStack({ PING_INTERVAL_SECONDS: "1" });
  ({ gemini: fake, videos, server } = stack);
  mcpRemoteConfigDir = mkdtempSync(join(tmpdir(), "mcp-remote-"));
});

afterAll(async () => {
  await stack?.stop();
  if (mcpRemoteConfigDir) rmSync(mcpRemoteConfigDir, { recursive: true, force: true });
});

const authHeader = () => ({ Authorization: `Bearer ${server.secret}` });

describe("raw SSE, as curl sees it", () => {
  it("streams ready, keep-alive, endpoint, then alarm-driven pings", async () => {
    const abort = new AbortController();
    const response = await fetch(`${server.baseUrl}/sse`, { headers: authHeader(), signal: abort.signal });
    expect(response.status).toBe(200);
    const frames: string[] = [];
    const parser = createParser({
      onEvent: (event) => frames.push(`${event.event}:${event.event === "ping" ? "<ms>" : event.data}`),
      onComment: (comment) => frames.push(`comment:${comment.trim()}`)
    });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    const deadline = Date.now() + 10_000;
    while (frames.filter((frame) => frame === "ping:<ms>").length < 2 && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      parser.feed(decoder.decode(value, { stream: true }));
    }
    abort.abort();
    const sessionId = response.headers.get("Mcp-Session-Id");
    expect(frames.slice(0, 5)).toEqual([
      'ready:"ok"',
      "comment:keep-alive",
      `endpoint:/messages?sessionId=${sessionId}`,
      "ping:<ms>",
      "ping:<ms>"
    ]);
  });

  it("answers /rpc tools/list with the secret and 401 without it", async () => {
    const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" });
    const ok = await fetch(`${server.baseUrl}/rpc`, {
      method: "POST",
      headers: { ...authHeader(), "Content-Type": "application/json" },
      body
    });
    const listed = (await ok.json()) as { id: number; result: { tools: { name: string }[] } };
    expect(listed.id).toBe(1);
    expect(listed.result.tools.map((tool) => tool.name)).toContain("analyzeRemoteVideo");
    const refused = await fetch(`${server.baseUrl}/rpc`, { method: "POST", body });
    expect(refused.status).toBe(401);
  });
});

async function analyzeWith(transport: Transport): Promise<void> {
  const client = new Client({ name: "e2e", version: "1.0.0" });
  await client.connect(transport);
  try {
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toContain("analyzeRemoteVideo");
    fake.enqueue({ kind: "answer", chunks: ["It is ", "a video ", "about ", "cats."], chunkDelayMs: 300 });
    const progress: Progress[] = [];
    const result = await client.callTool(
      { name: "analyzeRemoteVideo", arguments: { videoUrl: "https://www.youtube.com/watch?v=dQw4w9WgXcQ" } },
      undefined,
      { onprogress: (update) => progress.push(update), resetTimeoutOnProgress: true }
    );
    // callTool has checked structuredContent against the tool's outputSchema, as every SDK client does.
    expect(result.isError).toBeFalsy();
    expect(result.content).toEqual([{ type: "text", text: "It is a video about cats." }]);
    expect(result.structuredContent).toMatchObject({
      tokenCountSource: "countTokens",
      countedInputTokens: expect.any(Number),
      usage: { inputByModality: { video: expect.any(Number), audio: expect.any(Number) }, thinkingTokens: expect.any(Number) }
    });
    expect(progress.length).toBeGreaterThanOrEqual(3);
    expect(progress.map((update) => update.message)).toContainEqual(expect.stringMatching(/^Gemini is watching the video/));
    // The server sends "done" (100 of 100) just before the result, but the SDK
    // client runs notification handlers a microtask late and drops a progress
    // notification that arrives in the same chunk as its result, so the last
    // one seen here may be an earlier one. (test/workers checks the wire order.)
    expect(progress.every((update) => update.total === 100)).toBe(true);
    expect(progress.some((update) => update.message?.startsWith("generating:"))).toBe(true);
    const values = progress.map((update) => update.progress);
    expect(values).toEqual([...values].sort((a, b) => a - b));
    const sent = fake.generateRequests().at(-1);
    expect(sent?.path).toBe("/v1beta/models/gemini-e2e:streamGenerateContent");
    expect(sent?.headers["x-goog-api-key"]).toBe("e2e-google-api-key");
  } finally {
    await client.close();
  }
}

describe("a direct video URL in the real runtime", () => {
  it("streams a 30 MB video through the Files API upload and answers, with upload progress; follow-ups reuse the upload", async () => {
    const video = { size: 30 * 1024 * 1024 + 5 };
    const videoUrl = videos.add("/e2e.mp4", video);
    const client = new Client({ name: "e2e", version: "1.0.0" });
    const transport = new StreamableHTTPClientTransport(new URL(`${server.baseUrl}/mcp`), {
      requestInit: { headers: authHeader() }
    });
    await client.connect(transport);
    try {
      const progress: Progress[] = [];
      const result = await client.callTool({ name: "analyzeRemoteVideo", arguments: { videoUrl } }, undefined, {
        onprogress: (update) => progress.push(update)
      });
      expect(result.isError).toBeFalsy();
      const upload = [...fake.uploads.values()].at(-1)!;
      expect(upload.received).toBe(video.size);
      expect(upload.crc.digest()).toBe(videoCrc(video));
      expect(progress.map((update) => update.message)).toContain("Gemini is processing the video");
      // The processed file is kept for follow-up questions, then deleted when the session ends.
      expect(upload.file?.deleted).toBe(false);
      const { jobId } = result.structuredContent as { jobId: string };
      const uploads = fake.uploads.size;
      fake.enqueue({ kind: "answer", chunks: ["A follow-up answer."] });
      const followUp = await client.callTool({ name: "askAboutVideo", arguments: { jobId, question: "And then?" } });
      expect(followUp.content).toEqual([{ type: "text", text: "A follow-up answer." }]);
      // Gemini's implicit cache served the video again: the fake says so as Gemini does.
      expect((followUp.structuredContent as { usage: { cachedInputTokens: number } }).usage.cachedInputTokens).toBeGreaterThan(0);
      const chapters = { title: "T", summary: "S", chapters: [{ start: "00:00", end: "01:00", title: "C", summary: "c" }] };
      fake.enqueue({ kind: "answer", chunks: [JSON.stringify(chapters)] });
      const summary = await client.callTool({ name: "summarizeVideo", arguments: { videoUrl } });
      expect(summary.structuredContent).toMatchObject({ ...chapters, reusedUpload: true });
      expect(fake.uploads.size).toBe(uploads);
      await transport.terminateSession();
      expect(upload.file?.deleted).toBe(true);
    } finally {
      await client.close();
    }
  });
});

describe("official SDK client", () => {
  it("works over the legacy SSE transport (/sse + /messages)", async () => {
    const headers = authHeader();
    await analyzeWith(
      new SSEClientTransport(new URL(`${server.baseUrl}/sse`), {
        requestInit: { headers },
        eventSourceInit: {
          fetch: (url, init) => fetch(url, { ...init, headers: { ...(init?.headers as Record<string, string>), ...headers } })
        }
      })
    );
  });

  it("works over Streamable HTTP (/mcp)", async () => {
    await analyzeWith(
      new StreamableHTTPClientTransport(new URL(`${server.baseUrl}/mcp`), { requestInit: { headers: authHeader() } })
    );
  });
});

describe("mcp-remote over stdio, as Claude Desktop runs it", () => {
  const proxy = createRequire(import.meta.url).resolve("mcp-remote/dist/proxy.js");

  it.each([
    ["sse-only", "/sse"],
    ["http-only", "/mcp"]
  ])("works with --transport %s", async (mode, path) => {
    await analyzeWith(
      new StdioClientTransport({
        command: process.execPath,
        // biome-ignore lint/suspicious/noTemplateCurlyInString: mcp-remote expands ${AUTH_HEADER} from its environment
        args: [proxy, `${server.baseUrl}${path}`, "--header", "Authorization:${AUTH_HEADER}", "--transport", mode],
        env: {
          PATH: process.env.PATH ?? "",
          AUTH_HEADER: `Bearer ${server.secret}`,
          MCP_REMOTE_CONFIG_DIR: mcpRemoteConfigDir
        },
        stderr: "pipe"
      })
    );
  });
});

describe("oversized bodies on the real server", () => {
  const twoMiB = { chunk: Buffer.alloc(64 * 1024, "x"), count: 32 };
  const postHeaders = () => ({
    ...authHeader(),
    "Content-Type": "application/json",
    Accept: "application/json, text/event-stream"
  });
  const ping = () =>
    rawRequest(server.baseUrl, {
      method: "POST",
      path: "/rpc",
      headers: { ...postHeaders(), "Content-Length": "40" },
      body: { chunk: Buffer.from('{"jsonrpc":"2.0","id":1,"method":"ping"}'), count: 1 }
    });

  async function openSessionId(): Promise<string> {
    const abort = new AbortController();
    const response = await fetch(`${server.baseUrl}/sse`, { headers: authHeader(), signal: abort.signal });
    abort.abort();
    return response.headers.get("Mcp-Session-Id")!;
  }

  it("refuses a chunked 2 MiB body with 413 and the next client, on another connection, is answered", async () => {
    const sessionId = await openSessionId();
    for (const path of ["/rpc", "/mcp", `/messages?sessionId=${sessionId}`]) {
      for (let round = 0; round < 2; round++) {
        const refused = await rawRequest(server.baseUrl, { method: "POST", path, headers: postHeaders(), body: twoMiB });
        expect(refused.status, `${path}: ${refused.text}`).toBe(413);
        expect(JSON.parse(refused.text)).toMatchObject({
          jsonrpc: "2.0",
          id: null,
          error: { code: -32000, data: { reason: "body_too_large" } }
        });
        const next = await ping();
        expect(next.status, `after ${path}: ${next.text}`).toBe(200);
        expect(JSON.parse(next.text)).toEqual({ jsonrpc: "2.0", id: 1, result: {} });
      }
    }
  });

  it("refuses a 2 MiB body by its Content-Length, and the next client is answered", async () => {
    const refused = await rawRequest(server.baseUrl, {
      method: "POST",
      path: "/rpc",
      headers: { ...postHeaders(), "Content-Length": String(2 * 1024 * 1024) },
      body: twoMiB
    });
    expect(refused.status).toBe(413);
    expect((await ping()).status).toBe(200);
  });
});

describe("DNS rebinding on the real server (listening on 127.0.0.1)", () => {
  const initialize = JSON.stringify({
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "rebinding-probe", version: "1" } }
  });
  const probe = (host: string) =>
    rawRequest(server.baseUrl, {
      method: "POST",
      path: "/mcp",
      headers: {
        ...authHeader(),
        Host: host,
        Origin: `http://${host}`,
        "Content-Type": "application/json",
        Accept: "application/json, text/event-stream",
        "Content-Length": String(Buffer.byteLength(initialize))
      },
      body: { chunk: Buffer.from(initialize), count: 1 }
    });

  it("refuses a request whose Host (and Origin) name another host with a JSON-RPC 403, even with the secret", async () => {
    const refused = await probe("evil.example.com");
    expect(refused.status, refused.text).toBe(403);
    expect(JSON.parse(refused.text)).toMatchObject({
      jsonrpc: "2.0",
      id: null,
      error: { code: -32000, data: { reason: "host_not_allowed" } }
    });
    const port = new URL(server.baseUrl).port;
    const sse = await rawRequest(server.baseUrl, { path: "/sse", headers: { ...authHeader(), Host: `evil.example:${port}` } });
    expect(sse.status, sse.text).toBe(403);
    expect(JSON.parse(sse.text)).toMatchObject({ error: { code: "host_not_allowed" } });
  });

  it("answers the same request to its own loopback Host and Origin", async () => {
    const { host } = new URL(server.baseUrl);
    for (const name of [host, host.replace("127.0.0.1", "localhost")]) {
      const accepted = await probe(name);
      expect(accepted.status, `${name}: ${accepted.text}`).toBe(200);
      expect(accepted.headers["mcp-session-id"]).toMatch(/^[0-9a-f]{32}$/);
    }
  });
});
