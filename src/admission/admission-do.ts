/**
 * `AdmissionDO`: one Durable Object per owner that grants the slots of
 * running analyses, so the owner's cap (MAX_CONCURRENT_ANALYSES) holds
 * across every session, session-less call and task.
 *
 * ## Storage layout
 * `leases`: one row per slot in use: its id, and once the analysis started,
 * the session object that runs it and its job id; when it was granted.
 *
 * ## Lifecycle
 * A session reserves a slot before it starts a job, binds the job to it,
 * and releases it when the job ends. A release that never came (the
 * session restarted and forgot it was watching) costs nothing until the
 * cap is reached: then every lease is checked with the session that holds
 * it (`SessionDO.isJobActive`), and those whose jobs have ended, or whose
 * reservation was never bound within `RESERVATION_MS`, are dropped.
 * @module
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { randomHex } from "../ids/random";
import { SqlTables } from "../storage/sql";

/**
 * The name of the one admission object: a deployment has one owner (the
 * secret's holder, who also approves every OAuth grant), so every session
 * counts against the same cap.
 */
export const DEPLOYMENT_OWNER = "owner";

/** A reservation not bound to a job by then was abandoned (the session failed between the two). */
export const RESERVATION_MS = 60_000;

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS leases (
    id TEXT PRIMARY KEY,
    session_id TEXT,
    job_id TEXT,
    granted_at INTEGER NOT NULL
  )`
];

interface LeaseRow extends Record<string, SqlStorageValue> {
  id: string;
  session_id: string | null;
  job_id: string | null;
  granted_at: number;
}

export type Reservation = { lease: string } | { refused: true };

export class AdmissionDO extends DurableObject<Env> {
  private readonly tables: SqlTables;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.tables = new SqlTables(ctx.storage.sql, { table: "leases", schema: SCHEMA });
  }

  /** A slot if fewer than `limit` are in use (after dropping those whose analyses have ended). */
  async reserve(limit: number): Promise<Reservation> {
    // One reservation at a time: checking the holders awaits other objects.
    return this.ctx.blockConcurrencyWhile(async () => {
      if (this.inUse() >= limit) await this.reconcile();
      if (this.inUse() >= limit) return { refused: true };
      this.tables.create();
      const lease = randomHex(8);
      this.tables.query("INSERT INTO leases (id, granted_at) VALUES (?, ?)", lease, Date.now());
      return { lease };
    });
  }

  /** Ties the slot to the job it admitted; a job that already holds one (a call joined it) keeps only that. */
  async bind(lease: string, sessionId: string, jobId: string): Promise<void> {
    const [held] = this.tables.query("SELECT id FROM leases WHERE job_id = ? AND id != ?", jobId, lease);
    if (held) this.tables.query("DELETE FROM leases WHERE id = ?", lease);
    else this.tables.query("UPDATE leases SET session_id = ?, job_id = ? WHERE id = ?", sessionId, jobId, lease);
  }

  /** Gives back the slot of a lease, or of the job it was bound to. */
  async release(leaseOrJobId: string): Promise<void> {
    this.tables.query("DELETE FROM leases WHERE id = ? OR job_id = ?", leaseOrJobId, leaseOrJobId);
  }

  private inUse(): number {
    const [row] = this.tables.query<{ n: number }>("SELECT COUNT(*) AS n FROM leases");
    return row?.n ?? 0;
  }

  private async reconcile(): Promise<void> {
    const leases = this.tables.query<LeaseRow>("SELECT * FROM leases");
    const ended = await Promise.all(
      leases.map(async (lease) => {
        if (lease.job_id === null || lease.session_id === null) return Date.now() - lease.granted_at > RESERVATION_MS;
        const session = this.env.SESSIONS.get(this.env.SESSIONS.idFromName(lease.session_id));
        return !(await session.isJobActive(lease.job_id));
      })
    );
    leases.forEach((lease, index) => {
      if (ended[index]) this.tables.query("DELETE FROM leases WHERE id = ?", lease.id);
    });
  }
}
