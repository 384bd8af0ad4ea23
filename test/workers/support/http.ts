/**
 * Wire helpers: requests to the Worker as a client sends them, and an SSE
 * reader built on `eventsource-parser`.
 */
import { env, exports } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import type { SessionDO } from "../../../src/session-do";
import type { LegacySseChannel } from "../../../src/transport/legacy-sse";
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { TEST_SHARED_SECRET } from "../../constants";

/** https, so the requests meet OAuth as a deployed server offers it (plain http off loopback takes only the secret). */
export const BASE_URL = "https://mcp.test";
export const AUTH = { Authorization: `Bearer ${TEST_SHARED_SECRET}` };

/** Sends a request through the front Worker (`exports.default.fetch`). */
export function call(path: string, init: RequestInit = {}): Promise<Response> {
  return exports.default.fetch(new Request(new URL(path, BASE_URL), init));
}

/** Like `call`, with the bearer header. */
export function authed(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  for (const [name, value] of Object.entries(AUTH)) headers.set(name, value);
  return call(path, { ...init, headers });
}

export function postJson(path: string, body: unknown, headers: HeadersInit = {}): Promise<Response> {
  return authed(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body)
  });
}

/** One SSE frame as read: a named event, or a comment. */
export type SseFrame = { type: "event"; event: string; data: string; id?: string } | { type: "comment"; text: string };

/** Reads frames from an SSE response body, one at a time, with a timeout. */
export class SseReader {
  private readonly frames: SseFrame[] = [];
  private readonly waiters: (() => void)[] = [];
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private ended = false;

  constructor(body: ReadableStream<Uint8Array>) {
    const reader = body.getReader();
    this.reader = reader;
    const parser = createParser({
      onEvent: (message: EventSourceMessage) =>
        this.push({
          type: "event",
          event: message.event ?? "message",
          data: message.data,
          ...(message.id !== undefined ? { id: message.id } : {})
        }),
      onComment: (text) => this.push({ type: "comment", text: text.trim() })
    });
    void (async () => {
      const decoder = new TextDecoder();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          parser.feed(decoder.decode(value, { stream: true }));
        }
      } catch {
        // Cancelled by the test.
      }
      this.ended = true;
      this.wake();
    })();
  }

  private push(frame: SseFrame): void {
    this.frames.push(frame);
    this.wake();
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  /** The next frame; rejects after `timeoutMs` or when the stream ends first. */
  async next(timeoutMs = 2000): Promise<SseFrame> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length === 0) {
      if (this.ended) throw new Error("SSE stream ended");
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`No SSE frame within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    // SAFETY: the loop above ends only once a frame is queued.
    return this.frames.shift()!;
  }

  /** The next named event, skipping comments and events named in `skip`. */
  async nextEvent(skip: readonly string[] = ["ping"], timeoutMs = 2000): Promise<Extract<SseFrame, { type: "event" }>> {
    for (;;) {
      const frame = await this.next(timeoutMs);
      if (frame.type === "event" && !skip.includes(frame.event)) return frame;
    }
  }

  /** Next `event: message`, parsed as JSON. */
  async nextMessage(timeoutMs = 2000): Promise<Record<string, unknown>> {
    const frame = await this.nextEvent(["ping"], timeoutMs);
    if (frame.event !== "message") throw new Error(`Expected a message event, got ${frame.event}`);
    return JSON.parse(frame.data) as Record<string, unknown>;
  }

  async cancel(): Promise<void> {
    await this.reader.cancel();
  }
}

export interface OpenSession {
  response: Response;
  sessionId: string;
  sse: SseReader;
  /** The `/messages` path the endpoint event named. */
  endpoint: string;
}

/** Opens `GET /sse` and reads through the opening frames. */
export async function openSession(): Promise<OpenSession> {
  const response = await authed("/sse");
  if (response.status !== 200 || !response.body) {
    throw new Error(`GET /sse answered ${response.status}: ${await response.text()}`);
  }
  const sse = new SseReader(response.body);
  const ready = await sse.next();
  const keepAlive = await sse.next();
  const endpoint = await sse.next();
  if (ready.type !== "event" || ready.event !== "ready") throw new Error("first frame is not ready");
  if (keepAlive.type !== "comment") throw new Error("second frame is not a comment");
  if (endpoint.type !== "event" || endpoint.event !== "endpoint") throw new Error("third frame is not endpoint");
  return {
    response,
    sessionId: response.headers.get("Mcp-Session-Id") ?? "",
    sse,
    endpoint: endpoint.data
  };
}

/** A session with no stream left open: for tests that only make calls bound to it. */
export async function openIdleSession(): Promise<string> {
  const opened = await openSession();
  await opened.sse.cancel();
  await closeStreams(opened.sessionId);
  return opened.sessionId;
}

/** A Streamable HTTP session: `initialize` on `/mcp`; resolves with its `Mcp-Session-Id`. */
export async function initializeMcpSession(): Promise<string> {
  const initialize = await postJson(
    "/mcp",
    {
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } }
    },
    { Accept: "application/json, text/event-stream" }
  );
  await initialize.text();
  const sessionId = initialize.headers.get("Mcp-Session-Id");
  if (sessionId === null) throw new Error(`initialize opened no session (HTTP ${initialize.status})`);
  return sessionId;
}

/**
 * Closes the session's streams from the Durable Object's side. Inside the
 * test pool a client's cancel does not reach the object (it does under
 * `wrangler dev`), and an open stream would hold the object (and so block
 * `evictDurableObject`) for as long as it lives.
 */
export async function closeStreams(sessionId: string): Promise<void> {
  await runInDurableObject(sessionStub(sessionId), (instance) => {
    // SAFETY: `channels` (SessionDO) and its `sse` (SessionChannels) are private fields, present at run time.
    (instance as unknown as { channels: { sse: LegacySseChannel } }).channels.sse.closeAll();
  });
}

/** The Durable Object stub of a session, for `runInDurableObject` and alarms. */
export function sessionStub(sessionId: string): DurableObjectStub<SessionDO> {
  return env.SESSIONS.get(env.SESSIONS.idFromName(sessionId));
}

/**
 * Restarts the session's object at once, as a crash would. Not
 * `evictDurableObject`: it lets the work in flight drain first (the rest of
 * an upload or an answer), so nothing would be interrupted. Call
 * `fakes.sever()` first: the object's fetches run in the tests' isolate and
 * would otherwise live on.
 */
export async function restartObject(sessionId: string, reason = "test restart"): Promise<void> {
  await runInDurableObject(sessionStub(sessionId), (_instance, state) => {
    try {
      state.abort(reason);
    } catch {
      // abort() throws in the caller by design.
    }
  }).catch(() => {});
}
