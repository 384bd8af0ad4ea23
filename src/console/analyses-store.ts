/**
 * The console's index of every analysis of the deployment, in the console
 * object's SQLite: each job as last reported by the session object that
 * runs it (see `session/console-reporter.ts`).
 *
 * ## Storage layout
 * `console_analyses(id, created_at, updated_at, state, percent, job, tool,
 * video_url, message, error)`: `job` is the reported job as JSON, read for one
 * analysis's record; the list reads only the entry's own columns. A report
 * older than the stored one, or one that would move a final job back, is
 * ignored (reports may cross on the way).
 *
 * ## Lifecycle
 * A session's data goes with it: each write first deletes up to
 * `PRUNE_BATCH` analyses that ended longer ago than SESSION_TTL_SECONDS.
 * @module
 */
import { FINAL_STATES, isFinal, type JobState } from "../jobs/job";
import { jobOwnerSession } from "../jobs/job-id";
import type { JobReport } from "../session/console-reporter";
import { SqlTables } from "../storage/sql";
import { type AnalysisEntry, type AnalysisTool, toEntry } from "./analysis-entry";

/** How many analyses the list shows, newest first. */
export const LIST_LIMIT = 200;
/** The most ended analyses one write deletes. */
export const PRUNE_BATCH = 50;

const ENDED = `state IN (${[...FINAL_STATES].map((state) => `'${state}'`).join(", ")})`;
const ENTRY_COLUMNS = "id, tool, video_url, state, message, percent, created_at, updated_at, error";
const ADDED_COLUMNS = [
  "tool TEXT NOT NULL DEFAULT ''",
  "video_url TEXT NOT NULL DEFAULT ''",
  "message TEXT NOT NULL DEFAULT ''",
  "error TEXT"
];

type EntryRow = {
  id: string;
  tool: string;
  video_url: string;
  state: string;
  message: string;
  percent: number;
  created_at: number;
  updated_at: number;
  error: string | null;
};

function entryOf(row: EntryRow): AnalysisEntry {
  return {
    id: row.id,
    sessionId: jobOwnerSession(row.id) ?? null,
    // SAFETY: rows are written only by `report` below, from an AnalysisTool and a JobState.
    tool: row.tool as AnalysisTool,
    videoUrl: row.video_url,
    state: row.state as JobState,
    message: row.message,
    percent: row.percent,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    error: row.error
  };
}

/** The entry's columns of a report, in `ENTRY_COLUMNS` order. */
function entryValues(report: JobReport): SqlStorageValue[] {
  const entry = toEntry(report);
  return [
    entry.id,
    entry.tool,
    entry.videoUrl,
    entry.state,
    entry.message,
    entry.percent,
    entry.createdAt,
    entry.updatedAt,
    entry.error
  ];
}

/** A table made before the list had columns of its own: add them and fill them in from each job. */
function migrate(sql: SqlStorage): void {
  const columns = new Set(
    sql
      .exec<{ name: string }>("PRAGMA table_info(console_analyses)")
      .toArray()
      .map((column) => column.name)
  );
  if (!columns.has("tool")) {
    for (const column of ADDED_COLUMNS) sql.exec(`ALTER TABLE console_analyses ADD COLUMN ${column}`);
    for (const row of sql.exec<{ percent: number; job: string }>("SELECT percent, job FROM console_analyses").toArray()) {
      const entry = toEntry({ job: JSON.parse(row.job), percent: row.percent });
      sql.exec(
        "UPDATE console_analyses SET tool = ?, video_url = ?, message = ?, error = ? WHERE id = ?",
        entry.tool,
        entry.videoUrl,
        entry.message,
        entry.error,
        entry.id
      );
    }
  }
  sql.exec(`CREATE INDEX IF NOT EXISTS console_analyses_ended ON console_analyses (updated_at) WHERE ${ENDED}`);
}

export class AnalysesStore {
  private readonly tables: SqlTables;

  /** `keepEndedMs`: how long an ended analysis stays (SESSION_TTL_SECONDS). */
  constructor(
    sql: SqlStorage,
    private readonly keepEndedMs: number
  ) {
    this.tables = new SqlTables(sql, {
      table: "console_analyses",
      schema: [
        `CREATE TABLE IF NOT EXISTS console_analyses (
          id TEXT PRIMARY KEY,
          created_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL,
          state TEXT NOT NULL,
          percent INTEGER NOT NULL,
          job TEXT NOT NULL,
          tool TEXT NOT NULL,
          video_url TEXT NOT NULL,
          message TEXT NOT NULL,
          error TEXT
        )`,
        "CREATE INDEX IF NOT EXISTS console_analyses_newest ON console_analyses (created_at DESC)",
        `CREATE INDEX IF NOT EXISTS console_analyses_ended ON console_analyses (updated_at) WHERE ${ENDED}`
      ],
      migrate
    });
  }

  /** Stores the report unless what is stored is newer or final; true when it was stored. */
  record(report: JobReport, now = Date.now()): boolean {
    this.prune(now);
    const { job } = report;
    const [stored] = this.tables.query<{ state: string; updated_at: number }>(
      "SELECT state, updated_at FROM console_analyses WHERE id = ?",
      job.id
    );
    // SAFETY: the stored state was written by `report` from a JobState.
    if (stored && (stored.updated_at > job.updatedAt || (isFinal({ state: stored.state as JobState }) && !isFinal(job)))) {
      return false;
    }
    this.tables.create();
    this.tables.query(
      `INSERT INTO console_analyses (${ENTRY_COLUMNS}, job) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET
         state = excluded.state, message = excluded.message, percent = excluded.percent,
         updated_at = excluded.updated_at, error = excluded.error, job = excluded.job`,
      ...entryValues(report),
      JSON.stringify(job)
    );
    return true;
  }

  get(id: string): JobReport | undefined {
    const [row] = this.tables.query<{ percent: number; job: string }>(
      "SELECT percent, job FROM console_analyses WHERE id = ?",
      id
    );
    return row ? { job: JSON.parse(row.job), percent: row.percent } : undefined;
  }

  /** The estimated costs of the analyses still running (`details.estimatedCostUsd`), but `exceptId`'s, in US dollars. */
  runningEstimatesUsd(exceptId: string): number {
    const [row] = this.tables.query<{ usd: number | null }>(
      `SELECT SUM(json_extract(job, '$.details.estimatedCostUsd')) AS usd FROM console_analyses WHERE NOT (${ENDED}) AND id != ?`,
      exceptId
    );
    return row?.usd ?? 0;
  }

  /**
   * Whether an analysis but `exceptId` may still read the video: one running,
   * or one done (its follow-ups read the same file). Failed and cancelled ones read nothing more.
   */
  readsUpload(videoUrl: string, exceptId: string): boolean {
    const [row] = this.tables.query(
      "SELECT 1 FROM console_analyses WHERE lower(trim(video_url)) = ? AND id != ? AND state NOT IN ('failed', 'cancelled') LIMIT 1",
      videoUrl.trim().toLowerCase(),
      exceptId
    );
    return row !== undefined;
  }

  /** The newest `LIST_LIMIT` analyses, newest first. */
  list(): AnalysisEntry[] {
    return this.tables
      .query<EntryRow>(`SELECT ${ENTRY_COLUMNS} FROM console_analyses ORDER BY created_at DESC, id LIMIT ?`, LIST_LIMIT)
      .map(entryOf);
  }

  private prune(now: number): void {
    this.tables.query(
      `DELETE FROM console_analyses WHERE id IN
         (SELECT id FROM console_analyses WHERE ${ENDED} AND updated_at < ? ORDER BY updated_at LIMIT ?)`,
      now - this.keepEndedMs,
      PRUNE_BATCH
    );
  }
}
