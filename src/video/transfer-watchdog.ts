/**
 * Time limits on a video download, so a host that trickles bytes or never
 * answers cannot keep a job running forever.
 * @module
 */
import { VideoSourceError } from "./source-error";

export interface SourceTimeouts {
  /** From sending the request to the response's headers. */
  connectMs: number;
  /** Longest wait for the next byte while reading. */
  idleMs: number;
  /** Longest a whole download may take, from the request on. */
  totalMs: number;
}

const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;

/**
 * Watches one download: `read()` wraps each read of the body and rejects
 * with a `VideoSourceError` when no byte came for `idleMs` or the download
 * has run past `totalMs`. One timer at a time, re-armed lazily.
 */
export class TransferWatchdog {
  private readonly deadlineAt: number;
  private lastActivityAt: number;
  private pendingReads = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private fail: (error: VideoSourceError) => void = () => {};
  /** Rejects once a limit is passed; never resolves. */
  readonly failed: Promise<never>;

  constructor(
    private readonly host: string,
    private readonly timeouts: SourceTimeouts,
    startedAt: number,
    private readonly now: () => number = Date.now
  ) {
    this.deadlineAt = startedAt + timeouts.totalMs;
    this.lastActivityAt = now();
    this.failed = new Promise<never>((_, reject) => {
      this.fail = reject;
    });
    this.failed.catch(() => {});
    this.arm();
  }

  /** Waits for one read of the source, or for a limit to pass first. */
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
    const at = Math.min(this.deadlineAt, this.lastActivityAt + this.timeouts.idleMs);
    this.timer = setTimeout(() => this.check(), Math.max(at - this.now(), 0));
  }

  private check(): void {
    const now = this.now();
    if (now >= this.deadlineAt) {
      this.stop();
      this.fail(
        new VideoSourceError(
          `The download from ${this.host} took longer than ${seconds(this.timeouts.totalMs)} (SOURCE_TOTAL_TIMEOUT_SECONDS), so it was stopped. Use a faster host or a smaller file.`
        )
      );
    } else if (this.pendingReads > 0 && now - this.lastActivityAt >= this.timeouts.idleMs) {
      this.stop();
      this.fail(
        new VideoSourceError(
          `${this.host} sent no data for ${seconds(this.timeouts.idleMs)} (SOURCE_IDLE_TIMEOUT_SECONDS), so the download was stopped. Check that the host serves the file, or try again later.`
        )
      );
    } else {
      this.arm();
    }
  }
}
