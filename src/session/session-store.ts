/**
 * A session's durable state in its Durable Object's SQLite.
 *
 * ## Storage layout
 * `session_meta`: one row per created session: its id, creation time, the
 * time of its latest request, and (for Streamable HTTP sessions) the client's
 * initialize request as JSON.
 * `events`: the messages sent on the session's SSE streams, by rising
 * sequence number, so a client that reconnects with `Last-Event-ID` gets what
 * it missed; only the newest `EVENT_LOG_LIMIT` are kept.
 *
 * ## Lifecycle
 * Nothing is written until `create()`, so a one-off `/rpc` call in a fresh
 * object leaves no storage behind; `destroy()` removes everything.
 * @module
 */

import type { JSONRPCRequest } from "@modelcontextprotocol/server";
import { JSONRPCRequestSchema } from "@modelcontextprotocol/core";
import { SqlTables, type SqlRow } from "../storage/sql";
import type { SessionRoute } from "./session-request";

/**
 * How stale the stored time of the latest request may be. Every request used
 * to write it, a durable write each response waited for (about 0.2 ms of
 * workerd's CPU for an in-session `tools/list`, BENCHMARKS.md); now a request writes
 * it only when the stored one is at least this old, so a session may expire
 * up to this much early against SESSION_TTL_SECONDS (a day by default).
 */
export const TOUCH_WRITE_INTERVAL_MS = 1000;

/** Events kept per session for replay; older ones are trimmed. */
export const EVENT_LOG_LIMIT = 1000;

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS session_meta (
    id TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL,
    last_active_at INTEGER NOT NULL,
    mcp_initialize TEXT
  )`,
  `CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    data TEXT NOT NULL,
    created_at INTEGER NOT NULL
  )`
];

export interface StoredEvent {
  seq: number;
  data: string;
}

export class SessionStore {
  private known = false;
  /** When this object last wrote `last_active_at`. */
  private lastTouchWritten = 0;
  private readonly tables: SqlTables;

  constructor(private readonly storage: DurableObjectStorage) {
    this.tables = new SqlTables(storage.sql, { table: "session_meta", schema: SCHEMA });
  }

  private query<T extends SqlRow>(query: string, ...values: SqlStorageValue[]): T[] {
    return this.tables.query<T>(query, ...values);
  }

  /** True once `create()` has run in this object (and until `destroy()`). */
  exists(): boolean {
    this.known ||= this.query("SELECT 1 FROM session_meta LIMIT 1").length > 0;
    return this.known;
  }

  /** Enters the session a request names: creates it for `create`; false for `attach` when there is none. */
  admits({ mode, sessionId }: SessionRoute): boolean {
    if (mode === "create") this.create(sessionId);
    return mode !== "attach" || this.exists();
  }

  create(sessionId: string, now = Date.now()): void {
    this.tables.create();
    this.query("INSERT OR IGNORE INTO session_meta (id, created_at, last_active_at) VALUES (?, ?, ?)", sessionId, now, now);
  }

  /** Stores an event and returns its sequence number: unique and rising, across restarts too. */
  appendEvent(data: string, now = Date.now()): number {
    const [row] = this.query<{ seq: number }>("INSERT INTO events (data, created_at) VALUES (?, ?) RETURNING seq", data, now);
    // SAFETY: an INSERT … RETURNING of one row returns one row.
    const seq = row!.seq;
    if (seq > EVENT_LOG_LIMIT) this.query("DELETE FROM events WHERE seq <= ?", seq - EVENT_LOG_LIMIT);
    return seq;
  }

  /** Events after `seq`, oldest first, and whether some after it were already trimmed. */
  eventsAfter(seq: number): { events: StoredEvent[]; trimmed: boolean } {
    const events = this.query<{ seq: number; data: string }>(
      "SELECT seq, data FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
      seq,
      EVENT_LOG_LIMIT
    );
    const [oldest] = this.query<{ seq: number }>("SELECT seq FROM events ORDER BY seq LIMIT 1");
    const [latest] = this.query<{ seq: number | null }>("SELECT seq FROM sqlite_sequence WHERE name = 'events'");
    const trimmed = oldest !== undefined ? oldest.seq > seq + 1 : (latest?.seq ?? 0) > seq;
    return { events, trimmed };
  }

  /** Records a request, for idle expiry. */
  touch(now = Date.now()): void {
    if (now - this.lastTouchWritten < TOUCH_WRITE_INTERVAL_MS) return;
    this.query("UPDATE session_meta SET last_active_at = ?", now);
    this.lastTouchWritten = now;
  }

  lastActiveAt(): number {
    return this.query<{ last_active_at: number }>("SELECT last_active_at FROM session_meta")[0]?.last_active_at ?? 0;
  }

  saveInitializeRequest(initializeRequest: JSONRPCRequest): void {
    this.query("UPDATE session_meta SET mcp_initialize = ?", JSON.stringify(initializeRequest));
  }

  /** The persisted initialize request of a Streamable HTTP session, if any. */
  initializeRequest(): JSONRPCRequest | undefined {
    if (!this.exists()) return undefined;
    const [row] = this.query<{ mcp_initialize: string | null }>("SELECT mcp_initialize FROM session_meta");
    if (!row?.mcp_initialize) return undefined;
    const parsed = JSONRPCRequestSchema.safeParse(JSON.parse(row.mcp_initialize));
    return parsed.success ? parsed.data : undefined;
  }

  /** Deletes the session's storage and alarm. */
  async destroy(): Promise<void> {
    this.known = false;
    this.lastTouchWritten = 0;
    this.tables.forget();
    await this.storage.deleteAlarm();
    await this.storage.deleteAll();
  }
}
