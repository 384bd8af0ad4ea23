/**
 * The library's tables in its Durable Object's SQLite: the finished
 * analyses, their passages, and an FTS5 index over the passages.
 *
 * ## Storage layout
 * - `library_analyses`: one row per analysis (`LibraryDocument` without its
 *   passages), with `expires_at` (finished + LIBRARY_RETENTION_DAYS).
 * - `library_passages(id, analysis_id, seq, kind, start_seconds,
 *   end_seconds, speaker, body)`: `body` is the passage's text and a
 *   trailing space (see `library-query.ts` for why).
 * - `library_fts`: FTS5, `tokenize='trigram'`, an external-content index
 *   of `library_passages.body` (rowid = passage id), with `secure-delete`
 *   on, so a deleted passage leaves nothing in its shadow tables
 *   (`library_fts_data`, `_idx`, `_docsize`); `library_terms` is its
 *   `fts5vocab` view, which serves two-character terms.
 * - `library_words`: the same passages in a second FTS5 index of whole
 *   words (`unicode61`, diacritics removed), also with `secure-delete`, and
 *   its vocabulary `library_word_terms`: a query in scripts written with
 *   spaces is answered from it (see `library-query.ts`).
 *
 * ## Lifecycle
 * An analysis is added once done (added again, it replaces itself), and
 * deleted by the owner or when it expires; both go through `remove`, which
 * takes its passages out of both indexes with FTS5's `delete` command
 * before their rows go.
 * @module
 */
import { storedTokenUsage, type TokenUsage } from "../gemini/usage";
import { SqlTables } from "../storage/sql";
import { type LibraryDocument, PASSAGE_KINDS, type Passage, type PassageKind } from "./library-document";

/** The two FTS5 indexes of the passages (see the storage layout above). */
export const INDEXES = ["library_fts", "library_words"] as const;
export type LibraryIndex = (typeof INDEXES)[number];

/** The most analyses one expiry pass deletes. */
export const EXPIRY_BATCH = 50;

const KINDS = PASSAGE_KINDS.map((kind) => `'${kind}'`).join(", ");

/** An analysis as the library lists it (no answer, no passages). */
export interface LibraryEntry {
  analysisId: string;
  videoUrl: string;
  videoKey: string;
  youTubeId: string | null;
  uploadName: string | null;
  format: LibraryDocument["format"];
  followUp: boolean;
  prompt: string;
  model: string;
  title: string | null;
  durationSeconds: number | null;
  costUsd: number | null;
  createdAt: number;
  finishedAt: number;
  expiresAt: number;
}

/** An analysis with its answer, usage and passages. */
export interface LibraryRecord extends LibraryEntry {
  answer: string;
  usage: TokenUsage | null;
  passages: Passage[];
}

export type AnalysisRow = {
  id: string;
  video_url: string;
  video_key: string;
  youtube_id: string | null;
  upload_name: string | null;
  format: string;
  follow_up: number;
  prompt: string;
  model: string;
  title: string | null;
  duration_seconds: number | null;
  cost_usd: number | null;
  created_at: number;
  finished_at: number;
  expires_at: number;
};

export const ENTRY_COLUMNS =
  "id, video_url, video_key, youtube_id, upload_name, format, follow_up, prompt, model, title, duration_seconds, cost_usd, created_at, finished_at, expires_at";

export function entryOf(row: AnalysisRow): LibraryEntry {
  return {
    analysisId: row.id,
    videoUrl: row.video_url,
    videoKey: row.video_key,
    youTubeId: row.youtube_id,
    uploadName: row.upload_name,
    // SAFETY: written only by `add`, from a LibraryDocument's format.
    format: row.format as LibraryDocument["format"],
    followUp: row.follow_up === 1,
    prompt: row.prompt,
    model: row.model,
    title: row.title,
    durationSeconds: row.duration_seconds,
    costUsd: row.cost_usd,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
    expiresAt: row.expires_at
  };
}

type PassageRow = {
  kind: string;
  start_seconds: number | null;
  end_seconds: number | null;
  speaker: string | null;
  body: string;
};

function passageOf(row: PassageRow): Passage {
  return {
    // SAFETY: the column's CHECK allows only PASSAGE_KINDS.
    kind: row.kind as PassageKind,
    text: row.body.trimEnd(),
    ...(row.start_seconds !== null ? { startSeconds: row.start_seconds } : {}),
    ...(row.end_seconds !== null ? { endSeconds: row.end_seconds } : {}),
    ...(row.speaker !== null ? { speaker: row.speaker } : {})
  };
}

export class LibraryStore {
  readonly tables: SqlTables;

  constructor(sql: SqlStorage) {
    this.tables = new SqlTables(sql, {
      table: "library_analyses",
      schema: [
        `CREATE TABLE IF NOT EXISTS library_analyses (
          id TEXT PRIMARY KEY,
          video_url TEXT NOT NULL,
          video_key TEXT NOT NULL,
          youtube_id TEXT,
          upload_name TEXT,
          format TEXT NOT NULL,
          follow_up INTEGER NOT NULL,
          prompt TEXT NOT NULL,
          model TEXT NOT NULL,
          answer TEXT NOT NULL,
          title TEXT,
          duration_seconds REAL,
          usage TEXT,
          cost_usd REAL,
          created_at INTEGER NOT NULL,
          finished_at INTEGER NOT NULL,
          expires_at INTEGER NOT NULL
        )`,
        "CREATE INDEX IF NOT EXISTS library_analyses_video ON library_analyses (video_key, finished_at DESC)",
        "CREATE INDEX IF NOT EXISTS library_analyses_newest ON library_analyses (finished_at DESC)",
        "CREATE INDEX IF NOT EXISTS library_analyses_expiry ON library_analyses (expires_at)",
        `CREATE TABLE IF NOT EXISTS library_passages (
          id INTEGER PRIMARY KEY,
          analysis_id TEXT NOT NULL,
          seq INTEGER NOT NULL,
          kind TEXT NOT NULL CHECK (kind IN (${KINDS})),
          start_seconds REAL,
          end_seconds REAL,
          speaker TEXT,
          body TEXT NOT NULL
        )`,
        "CREATE INDEX IF NOT EXISTS library_passages_analysis ON library_passages (analysis_id, seq)",
        `CREATE VIRTUAL TABLE IF NOT EXISTS library_fts USING fts5(
          body, content = 'library_passages', content_rowid = 'id', tokenize = 'trigram'
        )`,
        "INSERT INTO library_fts (library_fts, rank) VALUES ('secure-delete', 1)",
        "CREATE VIRTUAL TABLE IF NOT EXISTS library_terms USING fts5vocab(library_fts, 'row')",
        `CREATE VIRTUAL TABLE IF NOT EXISTS library_words USING fts5(
          body, content = 'library_passages', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
        )`,
        "INSERT INTO library_words (library_words, rank) VALUES ('secure-delete', 1)",
        "CREATE VIRTUAL TABLE IF NOT EXISTS library_word_terms USING fts5vocab(library_words, 'row')"
      ]
    });
  }

  /** Keeps `doc` until `expiresAt`, replacing any earlier copy of it. */
  add(doc: LibraryDocument, expiresAt: number): void {
    this.tables.create();
    this.remove(doc.analysisId);
    this.tables.query(
      `INSERT INTO library_analyses (${ENTRY_COLUMNS}, answer, usage)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      doc.analysisId,
      doc.videoUrl,
      doc.videoKey,
      doc.youTubeId,
      doc.uploadName,
      doc.format,
      doc.followUp ? 1 : 0,
      doc.prompt,
      doc.model,
      doc.title,
      doc.durationSeconds,
      doc.costUsd,
      doc.createdAt,
      doc.finishedAt,
      expiresAt,
      doc.answer,
      doc.usage ? JSON.stringify(doc.usage) : null
    );
    doc.passages.forEach((passage, seq) => {
      this.tables.query(
        `INSERT INTO library_passages (analysis_id, seq, kind, start_seconds, end_seconds, speaker, body)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
        doc.analysisId,
        seq,
        passage.kind,
        passage.startSeconds ?? null,
        passage.endSeconds ?? null,
        passage.speaker ?? null,
        `${passage.text} `
      );
    });
    for (const index of INDEXES) {
      this.tables.query(
        `INSERT INTO ${index} (rowid, body) SELECT id, body FROM library_passages WHERE analysis_id = ?`,
        doc.analysisId
      );
    }
  }

  /** Deletes the analysis, its passages and their index entries; true when there was one. */
  remove(analysisId: string): boolean {
    for (const index of INDEXES) {
      this.tables.query(
        `INSERT INTO ${index} (${index}, rowid, body) SELECT 'delete', id, body FROM library_passages WHERE analysis_id = ?`,
        analysisId
      );
    }
    this.tables.query("DELETE FROM library_passages WHERE analysis_id = ?", analysisId);
    return this.tables.query("DELETE FROM library_analyses WHERE id = ? RETURNING id", analysisId).length > 0;
  }

  /** Deletes every analysis of the video; how many there were. */
  removeVideo(videoKey: string): number {
    const ids = this.tables.query<{ id: string }>("SELECT id FROM library_analyses WHERE video_key = ?", videoKey);
    for (const { id } of ids) this.remove(id);
    return ids.length;
  }

  /** Deletes up to `EXPIRY_BATCH` analyses expired by `now`; how many. */
  expire(now: number): number {
    const ids = this.tables.query<{ id: string }>(
      "SELECT id FROM library_analyses WHERE expires_at <= ? ORDER BY expires_at LIMIT ?",
      now,
      EXPIRY_BATCH
    );
    for (const { id } of ids) this.remove(id);
    return ids.length;
  }

  /** When the next analysis expires, if any is kept. */
  nextExpiry(): number | undefined {
    const [row] = this.tables.query<{ at: number | null }>("SELECT min(expires_at) AS at FROM library_analyses");
    return row?.at ?? undefined;
  }

  /** The newest analyses still kept at `now`, newest first. */
  list(now: number, limit: number): LibraryEntry[] {
    return this.tables
      .query<AnalysisRow>(
        `SELECT ${ENTRY_COLUMNS} FROM library_analyses WHERE expires_at > ? ORDER BY finished_at DESC, id LIMIT ?`,
        now,
        limit
      )
      .map(entryOf);
  }

  get(analysisId: string, now: number): LibraryRecord | undefined {
    const [row] = this.tables.query<AnalysisRow & { answer: string; usage: string | null }>(
      `SELECT ${ENTRY_COLUMNS}, answer, usage FROM library_analyses WHERE id = ? AND expires_at > ?`,
      analysisId,
      now
    );
    if (!row) return undefined;
    const passages = this.tables
      .query<PassageRow>(
        "SELECT kind, start_seconds, end_seconds, speaker, body FROM library_passages WHERE analysis_id = ? ORDER BY seq",
        analysisId
      )
      .map(passageOf);
    const usage = row.usage === null ? null : (storedTokenUsage(JSON.parse(row.usage)) ?? null);
    return { ...entryOf(row), answer: row.answer, usage, passages };
  }
}
