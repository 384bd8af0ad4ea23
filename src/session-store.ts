/**
 * A session's durable state in its Durable Object's SQLite.
 *
 * ## Storage layout
 * `session_meta`: one row per created session: its id, creation time, the
 * sequence number of the last event id handed out, and (for Streamable HTTP
 * sessions) the client's initialize request as JSON.
 *
 * ## Lifecycle
 * Nothing is written until `create()`, so a one-off `/rpc` call in a fresh
 * object leaves no storage behind; `destroy()` removes everything.
 * @module
 */

import { JSONRPCRequestSchema, type JSONRPCRequest } from "@modelcontextprotocol/sdk/types.js";

const SCHEMA = `CREATE TABLE IF NOT EXISTS session_meta (
  id TEXT PRIMARY KEY,
  created_at INTEGER NOT NULL,
  last_event_seq INTEGER NOT NULL DEFAULT 0,
  mcp_initialize TEXT
)`;

export class SqlError extends Error {
  constructor(
    readonly query: string,
    cause: unknown
  ) {
    super(`SQL failed: ${query.split("\n")[0]}`, { cause });
    this.name = "SqlError";
  }
}

export class SessionStore {
  constructor(private readonly storage: DurableObjectStorage) {}

  private query<T extends Record<string, SqlStorageValue>>(query: string, ...values: SqlStorageValue[]): T[] {
    try {
      return this.storage.sql.exec<T>(query, ...values).toArray();
    } catch (error) {
      throw new SqlError(query, error);
    }
  }

  /** True once `create()` has run in this object. */
  exists(): boolean {
    const tables = this.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'session_meta'");
    return tables.length > 0 && this.query("SELECT 1 FROM session_meta LIMIT 1").length > 0;
  }

  create(sessionId: string, now = Date.now()): void {
    this.query(SCHEMA);
    this.query("INSERT OR IGNORE INTO session_meta (id, created_at) VALUES (?, ?)", sessionId, now);
  }

  /** Hands out the next event sequence number; unique and rising across restarts. */
  nextEventSeq(): number {
    const [row] = this.query<{ last_event_seq: number }>(
      "UPDATE session_meta SET last_event_seq = last_event_seq + 1 RETURNING last_event_seq"
    );
    if (!row) throw new Error("nextEventSeq called before the session was created");
    return row.last_event_seq;
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
    await this.storage.deleteAlarm();
    await this.storage.deleteAll();
  }
}
