/**
 * The context caches this session made of its videos, so a later question
 * about the same video (same model, clip, sampling and resolution) names
 * the cache instead of sending the video again, and a released video takes
 * its caches with it.
 *
 * ## Storage layout
 * `video_caches`: one row per cache; `cache_key` is what the cache holds
 * (`cacheKeyOf`), `file_name` the Files API file it reads (null for a
 * YouTube link), `expires_at` when Gemini drops it unless it is extended.
 * The table is made on first use.
 * @module
 */
import { SqlTables } from "../storage/sql";

const SCHEMA = `CREATE TABLE IF NOT EXISTS video_caches (
  cache_name TEXT PRIMARY KEY,
  cache_key TEXT NOT NULL,
  file_name TEXT,
  expires_at INTEGER NOT NULL
)`;

/** A cache is not named in a request this close to its expiry: a new one is made instead. */
export const CACHE_EXPIRY_MARGIN_MS = 60_000;

export interface KeptCache {
  name: string;
  key: string;
  fileName: string | null;
  expiresAt: number;
}

type KeptCacheRow = { cache_name: string; cache_key: string; file_name: string | null; expires_at: number };

const fromRow = (row: KeptCacheRow): KeptCache => ({
  name: row.cache_name,
  key: row.cache_key,
  fileName: row.file_name,
  expiresAt: row.expires_at
});

/** What a cache of a question's video holds: the model and the video part, as sent. */
export function cacheKeyOf(question: {
  model: string;
  fileUri: string;
  videoMetadata?: unknown;
  mediaResolution?: string;
}): string {
  return JSON.stringify([question.model, question.fileUri, question.videoMetadata ?? {}, question.mediaResolution ?? null]);
}

export class VideoCaches {
  private readonly tables: SqlTables;

  constructor(
    sql: SqlStorage,
    private readonly now: () => number = Date.now
  ) {
    this.tables = new SqlTables(sql, { table: "video_caches", schema: [SCHEMA] });
  }

  private rows(query: string, ...values: SqlStorageValue[]): KeptCacheRow[] {
    return this.tables.query<KeptCacheRow>(query, ...values);
  }

  /** The live cache holding `key`, if one has time left to be named. */
  usable(key: string): KeptCache | undefined {
    const [row] = this.rows(
      "SELECT * FROM video_caches WHERE cache_key = ? AND expires_at > ? ORDER BY expires_at DESC LIMIT 1",
      key,
      this.now() + CACHE_EXPIRY_MARGIN_MS
    );
    return row ? fromRow(row) : undefined;
  }

  remember(cache: KeptCache): void {
    this.tables.create();
    this.rows(
      "INSERT OR REPLACE INTO video_caches (cache_name, cache_key, file_name, expires_at) VALUES (?, ?, ?, ?)",
      cache.name,
      cache.key,
      cache.fileName,
      cache.expiresAt
    );
  }

  /** Forgets the caches of `fileName` and returns them, for deletion. */
  takeOfFile(fileName: string): KeptCache[] {
    const caches = this.rows("SELECT * FROM video_caches WHERE file_name = ?", fileName).map(fromRow);
    this.rows("DELETE FROM video_caches WHERE file_name = ?", fileName);
    return caches;
  }

  forget(name: string): void {
    this.rows("DELETE FROM video_caches WHERE cache_name = ?", name);
  }

  all(): KeptCache[] {
    return this.rows("SELECT * FROM video_caches").map(fromRow);
  }
}
