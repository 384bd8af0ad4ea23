import { describe, expect, it } from "vitest";
import { escapeLineSeparators, escapeLineSeparatorsStream } from "../../src/transport/line-separators";
import { useFakes } from "./support/fetch-spy";
import { authed, closeStreams, initializeMcpSession, postJson } from "./support/http";
import { fc } from "./support/fuzz";

useFakes();

/** A string every one of whose line separators a naive splitter would break at. */
const TRICKY = "a\u2028event: evil\u2029id: 1\u0085data: x";
const RAW_SEPARATOR = /[\u0085\u2028\u2029]/;

/** Reads a response body as text until `done` holds for what arrived; cancels the rest. */
async function readUntil(response: Response, done: (text: string) => boolean, timeoutMs = 5_000): Promise<string> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const deadline = Date.now() + timeoutMs;
  let text = "";
  while (!done(text)) {
    if (Date.now() > deadline) throw new Error(`Not seen within ${timeoutMs} ms: ${text}`);
    const { done: ended, value } = await reader.read();
    if (ended) break;
    text += decoder.decode(value, { stream: true });
  }
  await reader.cancel();
  return text;
}

/** The JSON of every `data:` line in an SSE text. */
function dataOf(text: string): unknown[] {
  return text
    .split("\n")
    .filter((line) => line.startsWith("data: {"))
    .map((line) => JSON.parse(line.slice(6)) as unknown);
}

describe("escapeLineSeparators", () => {
  it("writes U+0085, U+2028 and U+2029 as JSON escapes that parse back to the same string", () => {
    const json = escapeLineSeparators(JSON.stringify({ token: TRICKY }));
    expect(json).not.toMatch(RAW_SEPARATOR);
    expect(json).toContain("a\\u2028event: evil\\u2029id: 1\\u0085data: x");
    expect(JSON.parse(json)).toEqual({ token: TRICKY });
  });

  it("does the same over a byte stream, whatever the chunk boundaries", async () => {
    const bytes = new TextEncoder().encode(JSON.stringify({ token: TRICKY, more: "\u00e9\u{1f600}" }));
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 8 }), async (cuts) => {
        const edges = [0, ...cuts.sort((a, b) => a - b), bytes.length];
        const source = new ReadableStream<Uint8Array>({
          start(controller) {
            for (let i = 1; i < edges.length; i++) controller.enqueue(bytes.slice(edges[i - 1], edges[i]));
            controller.close();
          }
        });
        const text = await new Response(source.pipeThrough(escapeLineSeparatorsStream())).text();
        expect(text).toBe(escapeLineSeparators(new TextDecoder().decode(bytes)));
      }),
      { numRuns: 200 }
    );
  });
});

describe("line separators on the wire", () => {
  it("are escaped on /sse, live and when replayed after Last-Event-ID", async () => {
    const response = await authed("/sse");
    const sessionId = response.headers.get("Mcp-Session-Id")!;
    await postJson(`/messages?sessionId=${sessionId}`, { jsonrpc: "2.0", id: TRICKY, method: "ping" });
    const live = await readUntil(response, (text) => text.includes('"result"'));
    await closeStreams(sessionId);
    const replay = await readUntil(await authed("/sse", { headers: { "Last-Event-ID": `${sessionId}-0` } }), (text) =>
      text.includes('"result"')
    );
    await closeStreams(sessionId);
    for (const text of [live, replay]) {
      expect(text).not.toMatch(RAW_SEPARATOR);
      expect(dataOf(text)).toContainEqual({ jsonrpc: "2.0", id: TRICKY, result: {} });
    }
  });

  it("are escaped in /mcp replies and the SDK's streams, progress tokens included", async () => {
    const sessionId = await initializeMcpSession();
    const headers = { "Mcp-Session-Id": sessionId, Accept: "application/json, text/event-stream" };
    const pinged = await postJson("/mcp", { jsonrpc: "2.0", id: TRICKY, method: "ping" }, headers);
    const analysed = await postJson(
      "/mcp",
      {
        jsonrpc: "2.0",
        id: 2,
        method: "tools/call",
        params: {
          name: "analyzeRemoteVideo",
          arguments: { videoUrl: "https://youtu.be/dQw4w9WgXcQ" },
          _meta: { progressToken: TRICKY }
        }
      },
      headers
    );
    const ping = await pinged.text();
    const analysis = await analysed.text();
    for (const text of [ping, analysis]) expect(text).not.toMatch(RAW_SEPARATOR);
    // A ping in a session is answered at once as a JSON body; a call streams.
    expect(pinged.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(JSON.parse(ping)).toEqual({ jsonrpc: "2.0", id: TRICKY, result: {} });
    const progress = dataOf(analysis).filter((message) => (message as { method?: string }).method === "notifications/progress");
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((message) => (message as { params: { progressToken: unknown } }).params.progressToken === TRICKY)).toBe(
      true
    );
  });
});
