/**
 * A session object's idle expiry, and its end. Any object with storage
 * (once it started, agents' tables at least) looks at itself for expiry in
 * a TTL (SESSION_TTL_SECONDS) at the latest, whatever made it: a session,
 * the jobs of session-less calls, a video's uploads, or a call that left
 * nothing of its own. It ends once idle (no stream, no running job, no
 * request, no change to its upload register) for a TTL.
 * @module
 */
import type { SessionTimers } from "./timers";

/** The timer that wakes an idle session to check it for expiry. */
export const EXPIRY = "expiry";

/** Any table but the runtime's own (`_cf_*`). */
const OWN_TABLE = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' LIMIT 1";

export interface SessionExpiryOptions {
  timers: Pick<SessionTimers, "has" | "set">;
  ttlMs: number;
  sql: SqlStorage;
  /** Running jobs or open streams: activity even without requests. */
  isActive(): Promise<boolean>;
  /** When the object was last used (0 for never). */
  lastActiveAt(): number;
  /** Tears the session down: jobs, files, streams, storage and alarms (see `session-end.ts`). */
  tearDown(): Promise<void>;
}

export class SessionExpiry {
  private ended = false;

  constructor(private readonly options: SessionExpiryOptions) {}

  /**
   * Sets the expiry deadline a TTL from now, unless one is set, the object
   * has no storage, or it ended: an object that ended stays without alarms
   * while in memory (its queue went with its storage).
   */
  async watch(): Promise<void> {
    if (this.ended || this.options.timers.has(EXPIRY) || !this.hasStorage()) return;
    await this.options.timers.set(EXPIRY, Date.now() + this.options.ttlMs);
  }

  /** Ends the session if it has been idle for a TTL; otherwise sets the deadline to look again. */
  async expireIfIdle(): Promise<void> {
    const { timers, ttlMs } = this.options;
    if (await this.options.isActive()) {
      await timers.set(EXPIRY, Date.now() + ttlMs);
      return;
    }
    const expiresAt = this.options.lastActiveAt() + ttlMs;
    if (Date.now() >= expiresAt) await this.end();
    else await timers.set(EXPIRY, expiresAt);
  }

  /** Ends the session for good (expired, or its client deleted it). */
  async end(): Promise<void> {
    this.ended = true;
    await this.options.tearDown();
  }

  private hasStorage(): boolean {
    return this.options.sql.exec(OWN_TABLE).toArray().length > 0;
  }
}
