/**
 * The console's index of every analysis of the deployment, in the console
 * object's SQLite: each job as last reported by the session object that
 * runs it (see `session/console-reporter.ts`).
 *
 * ## Storage layout
 * `console_analyses(id, created_at, updated_at, state, percent, job)`: `job`
 * is the reported job as JSON. A report older than the stored one, or one that
 * would move a final job back, is ignored (reports may cross on the way).
 * @module
 */
import { isFinal } from "../jobs/job";
import type { JobReport } from "../session/console-reporter";
import { SqlTables } from "../storage/sql";

/** How many analyses the list shows, newest first. */
export const LIST_LIMIT = 200;

type Row = { percent: number; job: string };

function toReport(row: Row): JobReport {
  return { job: JSON.parse(row.job), percent: row.percent };
}

export class AnalysesStore {
  private readonly tables: SqlTables;

  constructor(sql: SqlStorage) {
    this.tables = new SqlTables(sql, {
      table: "console_analyses",
      schema: [
        `CREATE TABLE IF NOT EXISTS console_analyses (
          id TEXT PRIMARY KEY,
          created_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL,
          state TEXT NOT NULL,
          percent INTEGER NOT NULL,
          job TEXT NOT NULL
        )`,
        "CREATE INDEX IF NOT EXISTS console_analyses_newest ON console_analyses (created_at DESC)"
      ]
    });
  }

  /** Stores the report unless what is stored is newer or final; true when it was stored. */
  record({ job, percent }: JobReport): boolean {
    const stored = this.get(job.id)?.job;
    if (stored && (stored.updatedAt > job.updatedAt || (isFinal(stored) && !isFinal(job)))) return false;
    this.tables.create();
    this.tables.query(
      `INSERT INTO console_analyses (id, created_at, updated_at, state, percent, job) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET
         updated_at = excluded.updated_at, state = excluded.state, percent = excluded.percent, job = excluded.job`,
      job.id,
      job.createdAt,
      job.updatedAt,
      job.state,
      percent,
      JSON.stringify(job)
    );
    return true;
  }

  get(id: string): JobReport | undefined {
    const [row] = this.tables.query<Row>("SELECT percent, job FROM console_analyses WHERE id = ?", id);
    return row ? toReport(row) : undefined;
  }

  /** The newest `LIST_LIMIT` analyses, newest first. */
  list(): JobReport[] {
    return this.tables
      .query<Row>("SELECT percent, job FROM console_analyses ORDER BY created_at DESC, id LIMIT ?", LIST_LIMIT)
      .map(toReport);
  }
}
