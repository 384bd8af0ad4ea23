/**
 * Console sign-ins, in the console object's SQLite: the SHA-256 of each
 * session cookie's token and when it expires. Only hashes are stored, so
 * the table gives nobody a usable cookie.
 *
 * ## Storage layout
 * `console_sessions(token_hash, expires_at)`; expired rows go at the next sign-in.
 * @module
 */
import { SqlTables } from "../storage/sql";

export class ConsoleSessions {
  private readonly tables: SqlTables;

  constructor(sql: SqlStorage) {
    this.tables = new SqlTables(sql, {
      table: "console_sessions",
      schema: ["CREATE TABLE IF NOT EXISTS console_sessions (token_hash TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)"]
    });
  }

  create(tokenHash: string, expiresAt: number, now = Date.now()): void {
    this.tables.create();
    this.tables.query("DELETE FROM console_sessions WHERE expires_at <= ?", now);
    this.tables.query("INSERT INTO console_sessions (token_hash, expires_at) VALUES (?, ?)", tokenHash, expiresAt);
  }

  /** When the sign-in ends; undefined for one that is unknown or over. */
  expiresAt(tokenHash: string, now = Date.now()): number | undefined {
    const [row] = this.tables.query<{ expires_at: number }>(
      "SELECT expires_at FROM console_sessions WHERE token_hash = ? AND expires_at > ?",
      tokenHash,
      now
    );
    return row?.expires_at;
  }

  end(tokenHash: string): void {
    this.tables.query("DELETE FROM console_sessions WHERE token_hash = ?", tokenHash);
  }
}
