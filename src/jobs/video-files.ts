/**
 * The Gemini files this session uploaded and keeps for follow-up questions,
 * keyed by video URL, so asking again (or retrying after a timeout) does not
 * upload the same video twice.
 *
 * ## Storage layout
 * `video_files`: one row per video URL; `source_tag` is how the source is
 * recognised again (`sourceTagOf`: its ETag, or Last-Modified and size, or
 * size); `expires_at` is when Gemini deletes the file (48 hours after
 * upload). The table is made on first use.
 * @module
 */
import { SqlTables } from "../storage/sql";

/** Files closer than this to Gemini's expiry are not reused. */
export const REUSE_MARGIN_MS = 30 * 60_000;
/** Gemini keeps uploaded files this long when it does not say. */
export const DEFAULT_FILE_LIFETIME_MS = 48 * 3600_000;

/** The columns of a kept file, here and in `upload-registry.ts`'s table (which has more). */
export const VIDEO_FILE_COLUMNS = `video_url TEXT PRIMARY KEY,
  source_tag TEXT,
  file_name TEXT NOT NULL,
  file_uri TEXT NOT NULL,
  mime_type TEXT NOT NULL,
  duration_seconds REAL,
  expires_at INTEGER NOT NULL`;

/** Their names, in order, and `file`'s values for them. */
export const VIDEO_FILE_COLUMN_NAMES = "video_url, source_tag, file_name, file_uri, mime_type, duration_seconds, expires_at";
export const videoFileValues = (file: VideoFile): SqlStorageValue[] => [
  file.videoUrl,
  file.sourceTag,
  file.fileName,
  file.fileUri,
  file.mimeType,
  file.durationSeconds,
  file.expiresAt
];

const SCHEMA = `CREATE TABLE IF NOT EXISTS video_files (
  ${VIDEO_FILE_COLUMNS}
)`;

export interface VideoFile {
  videoUrl: string;
  sourceTag: string | null;
  fileName: string;
  fileUri: string;
  mimeType: string;
  durationSeconds: number | null;
  expiresAt: number;
}

/** A `video_files` row; `upload-registry.ts` keeps the same columns and more. */
export type VideoFileRow = {
  video_url: string;
  source_tag: string | null;
  file_name: string;
  file_uri: string;
  mime_type: string;
  duration_seconds: number | null;
  expires_at: number;
};

export const videoFileFromRow = (row: VideoFileRow): VideoFile => ({
  videoUrl: row.video_url,
  sourceTag: row.source_tag,
  fileName: row.file_name,
  fileUri: row.file_uri,
  mimeType: row.mime_type,
  durationSeconds: row.duration_seconds,
  expiresAt: row.expires_at
});

/**
 * How a source is recognised again: its ETag; else its Last-Modified date
 * and size; else its size alone.
 */
export function sourceTagOf(headers: Headers, totalBytes: number | null): string | null {
  const etag = headers.get("ETag");
  if (etag) return `etag:${etag}`;
  const lastModified = headers.get("Last-Modified");
  if (lastModified && totalBytes !== null) return `modified:${lastModified};size:${totalBytes}`;
  return totalBytes !== null ? `size:${totalBytes}` : null;
}

export class VideoFiles {
  private readonly tables: SqlTables;

  constructor(
    sql: SqlStorage,
    private readonly now: () => number = Date.now
  ) {
    this.tables = new SqlTables(sql, { table: "video_files", schema: [SCHEMA] });
  }

  private rows(query: string, ...values: SqlStorageValue[]): VideoFileRow[] {
    return this.tables.query<VideoFileRow>(query, ...values);
  }

  /** The file for `videoUrl` if it has time left to be used. */
  usable(videoUrl: string): VideoFile | undefined {
    const [row] = this.rows(
      "SELECT * FROM video_files WHERE video_url = ? AND expires_at > ?",
      videoUrl,
      this.now() + REUSE_MARGIN_MS
    );
    return row ? videoFileFromRow(row) : undefined;
  }

  /** Records the file for its URL; returns the file it replaces, whose Gemini copy is now unused. */
  remember(file: VideoFile): VideoFile | undefined {
    this.tables.create();
    const [previous] = this.rows(
      "SELECT * FROM video_files WHERE video_url = ? AND file_name != ?",
      file.videoUrl,
      file.fileName
    );
    this.rows(
      `INSERT OR REPLACE INTO video_files (${VIDEO_FILE_COLUMN_NAMES}) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ...videoFileValues(file)
    );
    return previous ? videoFileFromRow(previous) : undefined;
  }

  /** True when `fileName` is kept for reuse (so a finished job must not delete it). */
  holds(fileName: string): boolean {
    return this.byFileName(fileName) !== undefined;
  }

  /** The kept file called `fileName`, if it is one. */
  byFileName(fileName: string): VideoFile | undefined {
    const [row] = this.rows("SELECT * FROM video_files WHERE file_name = ? LIMIT 1", fileName);
    return row ? videoFileFromRow(row) : undefined;
  }

  forget(fileName: string): void {
    this.rows("DELETE FROM video_files WHERE file_name = ?", fileName);
  }

  all(): VideoFile[] {
    return this.rows("SELECT * FROM video_files").map(videoFileFromRow);
  }
}
