/**
 * One alarm per Durable Object, shared by every timer of the session: the
 * ping, job heartbeats, polling waits and retry backoffs.
 *
 * Deadlines live in memory and the alarm is set to the earliest of them. A
 * restart forgets the deadlines but not the alarm: `restore()` keeps the
 * stored alarm as a deadline of its own, so a later, longer deadline (the
 * session's expiry) can never push it back; when it fires, the object's
 * `alarm()` rebuilds what it needs from its tables (see `SessionDO.alarm`).
 *
 * ## Why not agents' Lifecycle/Scheduler (yet)
 * `agents` 0.32 is a dependency and its `Lifecycle` + `Scheduler` are meant
 * to replace this file, but not as a drop-in, for two reasons read in its
 * source (dist/lifecycle-*.js, dist/scheduler-*.js):
 * - Lifecycle's alarm drives only queue rows due at `Date.now()`
 *   (`queue.due(nowMs)`), where this scheduler takes an alarm that fires as
 *   "its time has come" (`takeDue`). The workerd tests pass every poll and
 *   retry wait at once through `runDurableObjectAlarm` (like fake timers);
 *   on Lifecycle those waits would take their real time (2 s polls, retry
 *   backoffs of 1 to 30 s), so the suite has to change its clock first.
 * - `Scheduler.set(when)` keeps whole seconds (`Math.floor(ms / 1e3)`) and
 *   persists a row per schedule, while these sleeps are in-memory
 *   millisecond waits a signal can abort; on agents they belong in Tasks'
 *   `step.sleep`, which comes with moving the runner onto Tasks.
 * @module
 */

/** The deadline that stands for an alarm set before a restart. */
const RESTORED = "restored";

interface Sleeper {
  at: number;
  resolve(): void;
}

export class AlarmScheduler {
  private readonly deadlines = new Map<string, number>();
  private readonly sleepers = new Set<Sleeper>();
  private armedAt: number | null | undefined;

  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly now: () => number = Date.now
  ) {}

  /** For the constructor (under `blockConcurrencyWhile`): adopts the alarm an earlier instance set. */
  async restore(): Promise<void> {
    const at = await this.storage.getAlarm();
    this.armedAt = at;
    if (at !== null) this.deadlines.set(RESTORED, at);
  }

  /** Sets (or moves) the named deadline. */
  async set(name: string, at: number): Promise<void> {
    this.deadlines.set(name, at);
    await this.rearm();
  }

  /** Forgets every deadline, for a session that ends (its alarm is deleted with its storage). */
  reset(): void {
    this.deadlines.clear();
    this.armedAt = null;
  }

  has(name: string): boolean {
    return this.deadlines.has(name);
  }

  /** Resolves after `ms`, woken by the alarm; rejects when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const sleeper: Sleeper = {
        at: this.now() + Math.max(0, ms),
        resolve: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        }
      };
      const onAbort = () => {
        this.sleepers.delete(sleeper);
        reject(signal?.reason);
        void this.rearm();
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.sleepers.add(sleeper);
      void this.rearm();
    });
  }

  /**
   * For `alarm()`: wakes the sleepers that are due, and removes and returns
   * the names of the deadlines that are due. The alarm firing means its time
   * has come, so whatever was due by the time it was set for counts as due
   * (this also makes a test's `runDurableObjectAlarm` act like time passing).
   */
  takeDue(): string[] {
    const now = Math.max(this.now(), this.armedAt ?? 0);
    this.armedAt = undefined;
    for (const sleeper of [...this.sleepers]) {
      if (sleeper.at <= now) {
        this.sleepers.delete(sleeper);
        sleeper.resolve();
      }
    }
    const due: string[] = [];
    for (const [name, at] of this.deadlines) {
      if (at <= now) {
        due.push(name);
        this.deadlines.delete(name);
      }
    }
    return due;
  }

  /** Points the alarm at the earliest deadline, or clears it when none is left. */
  async rearm(): Promise<void> {
    let earliest = Number.POSITIVE_INFINITY;
    for (const at of this.deadlines.values()) earliest = Math.min(earliest, at);
    for (const sleeper of this.sleepers) earliest = Math.min(earliest, sleeper.at);
    const next = Number.isFinite(earliest) ? earliest : null;
    if (next === this.armedAt) return;
    this.armedAt = next;
    if (next === null) await this.storage.deleteAlarm();
    else await this.storage.setAlarm(next);
  }
}
