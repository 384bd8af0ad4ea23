/**
 * The legacy SSE channel of a session: the `GET /sse` streams, the replay
 * of stored events after `Last-Event-ID`, the broadcast of every message the
 * session sends (the `/messages` and `/rpc` replies and notifications), and
 * the `ping` events that keep the streams alive. The session object wires it
 * to its event log and its timers; nothing here knows about tools or jobs.
 *
 * ## Lifecycle
 * A stream lives until its client leaves (the channel learns it when a write
 * fails) or `closeAll()`. The ping deadline is set when a stream opens and
 * re-armed by each ping while a stream is open.
 * @module
 */
import type { JSONRPCMessage } from "@modelcontextprotocol/server";
import { eventId, parseEventId } from "../ids/session-id";
import { encodeSseComment, encodeSseEvent } from "./sse";
import { SseStream } from "./sse-stream";

/**
 * The next deadline of a timer that is due every `periodMs` and was due at
 * `due`: a firing that comes late does not push the ones after it back (so
 * the period holds however busy the object is), and one that comes more
 * than a period late skips what it missed instead of firing in a burst.
 */
export function nextPeriodicDeadline(due: number, now: number, periodMs: number): number {
  const next = due + periodMs;
  return next > now ? next : now + periodMs;
}

/** The timer deadline of the next ping. */
export const PING_DEADLINE = "ping";

const SSE_HEADERS = {
  "Content-Type": "text/event-stream; charset=utf-8",
  "Cache-Control": "no-cache, no-transform",
  Connection: "keep-alive",
  "X-Accel-Buffering": "no"
};

/** The session's stored events, by rising sequence number (the session owns the table). */
export interface EventLog {
  /** False until the session exists; nothing is stored or sent before. */
  exists(): boolean;
  /** Stores an event and returns its sequence number. */
  appendEvent(data: string): number;
  /** Events after `seq`, oldest first, and whether some after it were already trimmed. */
  eventsAfter(seq: number): { events: { seq: number; data: string }[]; trimmed: boolean };
}

/** The session's timers, as far as the channel needs them. */
export interface PingTimer {
  has(name: string): boolean;
  set(name: string, at: number): Promise<void>;
}

export interface LegacySseOptions {
  sessionId(): string;
  log: EventLog;
  timer: PingTimer;
  pingIntervalMs: number;
  /** How many events the log keeps, for the notice when some were trimmed. */
  eventLogLimit: number;
}

export class LegacySseChannel {
  private readonly streams = new Set<SseStream>();
  /** When the current ping deadline is due (pings keep to their period from it). */
  private pingDueAt: number | undefined;

  constructor(private readonly options: LegacySseOptions) {}

  /** True while a client holds a stream open. */
  get hasOpenStreams(): boolean {
    return this.streams.size > 0;
  }

  /**
   * Opens a stream on the session. With `Last-Event-ID` (one of this
   * session's event ids), every stored event after it is replayed first; if
   * some were already trimmed, a `notice` event says so before the replay.
   */
  async open(lastEventId: string | null): Promise<Response> {
    const sessionId = this.options.sessionId();
    const stream = new SseStream();
    stream.onclose = () => this.streams.delete(stream);
    stream.write(encodeSseEvent({ event: "ready", data: JSON.stringify("ok") }));
    stream.write(encodeSseComment("keep-alive"));
    stream.write(encodeSseEvent({ event: "endpoint", data: `/messages?sessionId=${sessionId}` }));
    const resumeAfter = lastEventId === null ? undefined : parseEventId(lastEventId);
    if (resumeAfter && resumeAfter.sessionId === sessionId) {
      const { events, trimmed } = this.options.log.eventsAfter(resumeAfter.seq);
      if (trimmed) {
        stream.write(
          encodeSseEvent({
            event: "notice",
            data: JSON.stringify({
              type: "events_lost",
              message: `Some events after ${lastEventId} are no longer stored (the session keeps its newest ${this.options.eventLogLimit}); replaying what is left, then live events.`
            })
          })
        );
      }
      for (const event of events) {
        stream.write(encodeSseEvent({ event: "message", id: eventId(sessionId, event.seq), data: event.data }));
      }
    }
    this.streams.add(stream);
    if (!this.options.timer.has(PING_DEADLINE)) {
      this.pingDueAt = Date.now() + this.options.pingIntervalMs;
      await this.options.timer.set(PING_DEADLINE, this.pingDueAt);
    }
    return new Response(stream.body, { headers: { ...SSE_HEADERS, "Mcp-Session-Id": sessionId } });
  }

  /**
   * Stores one message in the session's event log and writes it to every open
   * stream, with a session-unique event id; a client away at the time gets
   * it when it reconnects with `Last-Event-ID`.
   */
  broadcast(message: JSONRPCMessage): void {
    if (!this.options.log.exists()) return;
    const data = JSON.stringify(message);
    const id = eventId(this.options.sessionId(), this.options.log.appendEvent(data));
    const frame = encodeSseEvent({ event: "message", id, data });
    for (const stream of [...this.streams]) stream.write(frame);
  }

  /**
   * For the ping deadline: a `ping` event on every stream, and, while one is
   * open, the next deadline a period after this one was due, not after it
   * ran: with thousands of sessions an alarm runs tens of milliseconds late,
   * and counting from when it ran let every stream's pings drift apart.
   */
  async ping(): Promise<void> {
    const now = Date.now();
    const frame = encodeSseEvent({ event: "ping", data: String(now) });
    for (const stream of [...this.streams]) stream.write(frame);
    if (this.streams.size > 0) {
      this.pingDueAt = nextPeriodicDeadline(this.pingDueAt ?? now, now, this.options.pingIntervalMs);
      await this.options.timer.set(PING_DEADLINE, this.pingDueAt);
    }
  }

  closeAll(): void {
    for (const stream of [...this.streams]) stream.close();
  }
}
