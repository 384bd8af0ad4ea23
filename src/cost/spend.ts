/**
 * What the deployment has spent on Gemini: one row per finished analysis,
 * its cost and when it was billed, in the Durable Object that owns the
 * ledger (the console's object, which every job's final report reaches).
 * Days and months are UTC.
 *
 * ## Storage layout
 * `cost_spend(job_id PRIMARY KEY, usd, billed_at)`: a job recorded twice (a
 * final report sent again) is one row.
 *
 * ## Lifecycle
 * Rows older than `KEEP_MS` (a little over a year) are deleted as new ones
 * are written.
 * @module
 */
import { SqlTables } from "../storage/sql";

/** How long a day's spend is kept: this month and the same month last year. */
export const KEEP_MS = 400 * 24 * 3600_000;

/** Spend so far, in US dollars. */
export interface SpendTotals {
  /** Since 00:00 UTC today. */
  todayUsd: number;
  /** Since the first of this month, 00:00 UTC. */
  monthUsd: number;
  /** The UTC day and month they are for (`2026-12-07`, `2026-12`). */
  day: string;
  month: string;
}

function startOfDay(now: number): number {
  const date = new Date(now);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
}

function startOfMonth(now: number): number {
  const date = new Date(now);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
}

export class SpendLedger {
  private readonly tables: SqlTables;

  constructor(sql: SqlStorage) {
    this.tables = new SqlTables(sql, {
      table: "cost_spend",
      schema: [
        `CREATE TABLE IF NOT EXISTS cost_spend (
          job_id TEXT PRIMARY KEY,
          usd REAL NOT NULL,
          billed_at INTEGER NOT NULL
        )`,
        "CREATE INDEX IF NOT EXISTS cost_spend_billed ON cost_spend (billed_at)"
      ]
    });
  }

  /** Records what job `jobId` cost, billed at `billedAt`; the same job again replaces its row. */
  record(jobId: string, usd: number, billedAt: number, now = Date.now()): void {
    this.tables.create();
    this.tables.query("DELETE FROM cost_spend WHERE billed_at < ?", now - KEEP_MS);
    this.tables.query(
      `INSERT INTO cost_spend (job_id, usd, billed_at) VALUES (?, ?, ?)
       ON CONFLICT (job_id) DO UPDATE SET usd = excluded.usd, billed_at = excluded.billed_at`,
      jobId,
      usd,
      billedAt
    );
  }

  totals(now = Date.now()): SpendTotals {
    const since = (from: number) =>
      this.tables.query<{ usd: number | null }>("SELECT SUM(usd) AS usd FROM cost_spend WHERE billed_at >= ?", from)[0]?.usd ?? 0;
    const iso = new Date(now).toISOString();
    return {
      todayUsd: since(startOfDay(now)),
      monthUsd: since(startOfMonth(now)),
      day: iso.slice(0, 10),
      month: iso.slice(0, 7)
    };
  }
}
