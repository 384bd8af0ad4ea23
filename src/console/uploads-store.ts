/**
 * The console's index of the deployment's uploads, in the console object's
 * SQLite: each upload as its `UploadDO` last reported it (see
 * `uploads/upload-reporter.ts`), so the list and `listVideoAnalyses` show an
 * upload before any analysis names it.
 *
 * ## Storage layout
 * `console_uploads(upload_id, file_name, size_bytes, bytes_received, state,
 * created_at, updated_at, expires_at)`. A report older than the stored one,
 * or one that would bring an ended upload (expired, deleted) back, is
 * ignored (reports may cross on the way).
 *
 * ## Lifecycle
 * An ended upload stays as a tombstone, so a late report cannot bring it
 * back, for `KEEP_ENDED_MS`; each write first deletes up to `PRUNE_BATCH` older ones.
 * @module
 */
import { SqlTables } from "../storage/sql";
import type { UploadEntry } from "../tools/deps";

/** How many uploads the list shows, newest first. */
export const UPLOAD_LIST_LIMIT = 200;
/** How long an ended upload's tombstone stays: longer than any upload lives (Gemini keeps a file 48 h). */
export const KEEP_ENDED_MS = 3 * 24 * 3600 * 1000;
const PRUNE_BATCH = 50;

const ENDED = "state IN ('expired', 'deleted')";
const COLUMNS = "upload_id, file_name, size_bytes, bytes_received, state, created_at, updated_at, expires_at";

type UploadRow = {
  upload_id: string;
  file_name: string;
  size_bytes: number | null;
  bytes_received: number;
  state: string;
  created_at: number;
  updated_at: number;
  expires_at: number;
};

function entryOf(row: UploadRow): UploadEntry {
  return {
    uploadId: row.upload_id,
    videoUrl: `upload:${row.upload_id}`,
    fileName: row.file_name,
    sizeBytes: row.size_bytes,
    bytesReceived: row.bytes_received,
    // SAFETY: rows are written only by `record` below, from an UploadEntry.
    state: row.state as UploadEntry["state"],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    expiresAt: row.expires_at
  };
}

export function isEnded(entry: Pick<UploadEntry, "state" | "expiresAt">, now = Date.now()): boolean {
  return entry.state === "expired" || entry.state === "deleted" || entry.expiresAt <= now;
}

export class UploadsStore {
  private readonly tables: SqlTables;

  constructor(sql: SqlStorage) {
    this.tables = new SqlTables(sql, {
      table: "console_uploads",
      schema: [
        `CREATE TABLE IF NOT EXISTS console_uploads (
          upload_id TEXT PRIMARY KEY,
          file_name TEXT NOT NULL,
          size_bytes INTEGER,
          bytes_received INTEGER NOT NULL,
          state TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL,
          expires_at INTEGER NOT NULL
        )`,
        "CREATE INDEX IF NOT EXISTS console_uploads_newest ON console_uploads (created_at DESC)"
      ]
    });
  }

  /** Stores the report unless what is stored is newer or ended; true when it was stored. */
  record(entry: UploadEntry, now = Date.now()): boolean {
    this.tables.query(
      `DELETE FROM console_uploads WHERE upload_id IN
         (SELECT upload_id FROM console_uploads WHERE (${ENDED} OR expires_at <= ?) AND updated_at < ? LIMIT ?)`,
      now,
      now - KEEP_ENDED_MS,
      PRUNE_BATCH
    );
    const [stored] = this.tables.query<UploadRow>(`SELECT ${COLUMNS} FROM console_uploads WHERE upload_id = ?`, entry.uploadId);
    if (stored && (stored.updated_at > entry.updatedAt || (isEnded(entryOf(stored), now) && !isEnded(entry, now)))) return false;
    this.tables.create();
    this.tables.query(
      `INSERT INTO console_uploads (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (upload_id) DO UPDATE SET
         file_name = excluded.file_name, size_bytes = excluded.size_bytes, bytes_received = excluded.bytes_received,
         state = excluded.state, updated_at = excluded.updated_at, expires_at = excluded.expires_at`,
      entry.uploadId,
      entry.fileName,
      entry.sizeBytes,
      entry.bytesReceived,
      entry.state,
      entry.createdAt,
      entry.updatedAt,
      entry.expiresAt
    );
    return true;
  }

  /** The newest `UPLOAD_LIST_LIMIT` uploads still alive, newest first. */
  list(now = Date.now()): UploadEntry[] {
    return this.tables
      .query<UploadRow>(
        `SELECT ${COLUMNS} FROM console_uploads WHERE NOT (${ENDED}) AND expires_at > ? ORDER BY created_at DESC, upload_id LIMIT ?`,
        now,
        UPLOAD_LIST_LIMIT
      )
      .map(entryOf);
  }
}
