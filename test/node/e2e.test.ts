/**
 * End to end: the real server under `wrangler dev`, a fake Gemini on another
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
import { FakeGemini } from "../support/fake-gemini";
import { serveOnLoopback, type LoopbackServer } from "./support/node-server";
import { startWranglerDev, type DevServer } from "./support/wrangler-dev";

const fake = new FakeGemini();
let gemini: LoopbackServer;
let server: DevServer;
let mcpRemoteConfigDir: string;

beforeAll(async () => {
  gemini = await serveOnLoopback((request) => fake.handle(request));
  server = await startWranglerDev({
    GOOGLE_API_KEY: "e2e-google-api-key",
    GEMINI_BASE_URL: gemini.url,
    GEMINI_MODEL: "gemini-e2e",
    PING_INTERVAL_SECONDS: "1"
  });
  mcpRemoteConfigDir = mkdtempSync(join(tmpdir(), "mcp-remote-"));
});

afterAll(async () => {
  await server?.stop();
  await gemini?.close();
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
    expect(await ok.json()).toMatchObject({ id: 1, result: { tools: [{ name: "analyzeRemoteVideo" }] } });
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
    expect(result.isError).toBeFalsy();
    expect(result.content).toEqual([{ type: "text", text: "It is a video about cats." }]);
    expect(progress.length).toBeGreaterThanOrEqual(3);
    expect(progress[0]?.message).toBe("Gemini is watching the video");
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
