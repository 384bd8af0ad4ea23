/**
 * A session's durable state in its Durable Object's SQLite.
 *
 * ## Storage layout
 * `session_meta`: one row per created session: its id, creation time, and the
 * sequence number of the last event id handed out.
 *
 * ## Lifecycle
 * Nothing is written until `create()`, so a one-off `/rpc` call in a fresh
 * object leaves no storage behind.
 * @module
 */

const SCHEMA = `CREATE TABLE IF NOT EXISTS session_meta (
  id TEXT PRIMARY KEY,
  created_at INTEGER NOT NULL,
  last_event_seq INTEGER NOT NULL DEFAULT 0
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
}
