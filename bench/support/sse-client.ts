/**
 * Reads a server's event stream with `eventsource-parser`, stamping every
 * event with the moment its bytes were read (`performance.now()`), so a
 * benchmark can compare it with a moment stamped elsewhere in this process.
 */
import { createParser } from "eventsource-parser";

export interface TimedSseEvent {
  event: string | undefined;
  data: string;
  id: string | undefined;
  /** `performance.now()` when the chunk holding the event was read. */
  at: number;
}

export interface SseConnection {
  status: number;
  /** The `Mcp-Session-Id` response header. */
  sessionId: string | null;
  /** Resolves when the stream ends, fails or is closed. */
  ended: Promise<void>;
  close(): void;
}

/** Opens `url` as an event stream; `onEvent` runs for every event until it ends or `close()`. */
export async function openSse(
  url: string,
  headers: Record<string, string>,
  onEvent: (event: TimedSseEvent) => void
): Promise<SseConnection> {
  const abort = new AbortController();
  const response = await fetch(url, { headers: { Accept: "text/event-stream", ...headers }, signal: abort.signal });
  let at = 0;
  const parser = createParser({ onEvent: (event) => onEvent({ event: event.event, data: event.data, id: event.id, at }) });
  const ended = (async () => {
    if (!response.body) return;
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        at = performance.now();
        parser.feed(decoder.decode(value, { stream: true }));
      }
    } catch {
      // Closed or cut: the stream has ended either way.
    }
  })();
  return {
    status: response.status,
    sessionId: response.headers.get("Mcp-Session-Id"),
    ended,
    close: () => abort.abort()
  };
}

/**
 * Milliseconds from sending `GET /sse` to reading its `ready` event, for
 * `count` streams one after another (each closed once ready), bounded by
 * `timeLimitMs` in all.
 */
export async function measureSseReady(
  baseUrl: string,
  secret: string,
  bounds: { count: number; timeLimitMs: number }
): Promise<number[]> {
  const READY_TIMEOUT_MS = 10_000;
  const deadline = performance.now() + bounds.timeLimitMs;
  const latencies: number[] = [];
  for (let i = 0; i < bounds.count && performance.now() < deadline; i++) {
    const started = performance.now();
    let readyAt: (at: number) => void = () => {};
    const ready = new Promise<number>((resolve) => (readyAt = resolve));
    const connection = await openSse(`${baseUrl}/sse`, { Authorization: `Bearer ${secret}` }, (event) => {
      if (event.event === "ready") readyAt(event.at);
    });
    let timer: NodeJS.Timeout | undefined;
    try {
      if (connection.status !== 200) throw new Error(`GET /sse answered ${connection.status}`);
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no ready event within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
      });
      latencies.push((await Promise.race([ready, timeout])) - started);
    } finally {
      clearTimeout(timer);
      connection.close();
      await connection.ended;
    }
  }
  return latencies;
}
