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

  isValid(tokenHash: string, now = Date.now()): boolean {
    return this.tables.query("SELECT 1 FROM console_sessions WHERE token_hash = ? AND expires_at > ?", tokenHash, now).length > 0;
  }

  end(tokenHash: string): void {
    this.tables.query("DELETE FROM console_sessions WHERE token_hash = ?", tokenHash);
  }
}
