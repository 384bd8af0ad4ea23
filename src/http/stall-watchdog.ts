/**
 * Time limits on a transfer that arrives piece by piece (a video download, a
 * streamed answer), so a peer that stalls or trickles cannot keep a job
 * running forever.
 * @module
 */

export interface StallLimits {
  /** Longest wait for the next piece while one is awaited. */
  idleMs: number;
  /** Longest the whole transfer may take. */
  totalMs: number;
}

export type StallLimit = keyof StallLimits;

/**
 * Watches one transfer: `read()` wraps each wait for the next piece and
 * rejects with `describe(limit)` when nothing came for `idleMs` or the
 * transfer has run past `totalMs`. Time between reads (the caller busy with
 * what it read) is not idle time. One timer at a time, re-armed lazily.
 */
export class StallWatchdog {
  private readonly deadlineAt: number;
  private lastActivityAt: number;
  private pendingReads = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private fail: (error: Error) => void = () => {};
  /** Rejects once a limit is passed; never resolves. */
  readonly failed: Promise<never>;

  constructor(
    private readonly limits: StallLimits,
    private readonly describe: (limit: StallLimit) => Error,
    startedAt: number,
    private readonly now: () => number = Date.now
  ) {
    this.deadlineAt = startedAt + limits.totalMs;
    this.lastActivityAt = now();
    this.failed = new Promise<never>((_, reject) => {
      this.fail = reject;
    });
    this.failed.catch(() => {});
    this.arm();
  }

  /** Waits for one read, or for a limit to pass first. */
  async read<T>(pending: Promise<T>): Promise<T> {
    this.pendingReads += 1;
    this.lastActivityAt = this.now();
    try {
      return await Promise.race([pending, this.failed]);
    } finally {
      this.pendingReads -= 1;
      this.lastActivityAt = this.now();
    }
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    const at = Math.min(this.deadlineAt, this.lastActivityAt + this.limits.idleMs);
    this.timer = setTimeout(() => this.check(), Math.max(at - this.now(), 0));
  }

  private check(): void {
    const now = this.now();
    if (now >= this.deadlineAt) {
      this.stop();
      this.fail(this.describe("totalMs"));
    } else if (this.pendingReads > 0 && now - this.lastActivityAt >= this.limits.idleMs) {
      this.stop();
      this.fail(this.describe("idleMs"));
    } else {
      this.arm();
    }
  }
}
