/**
 * Reports an upload to the console's index (the deployment's one
 * `ConsoleDO`), so the console's list and `listVideoAnalyses` show it before
 * any analysis names it. Progress is sent at most every
 * `UPLOAD_REPORT_INTERVAL_MS` (the last change always arrives); its creation,
 * a change of state and its end are sent at once. A report of a new state
 * the index did not take is sent again after each of `FINAL_RETRY_DELAYS_MS`.
 * @module
 */
import { deliverWithRetries } from "../http/deliver";
import { type ConsoleStub, FINAL_RETRY_DELAYS_MS } from "../session/console-reporter";
import type { UploadEntry } from "../tools/deps";
import type { UploadRecord } from "./upload-record";

/**
 * The least time between two progress reports of one upload: 2 s, slower
 * than a job's `PROGRESS_INTERVAL_MS` (100 ms) on purpose. No one waits on
 * this copy as on a job's bar: the sender sees its own bytes go from its
 * tus client, and the index's copy only shows the upload to others (the
 * console's "Uploads in progress" for another tab or a shell, and
 * `listVideoAnalyses` when asked). Each report is a write to the
 * deployment's one `ConsoleDO`, which every upload and console stream
 * shares, so a glance's pace is enough; a new state still goes at once.
 */
export const UPLOAD_REPORT_INTERVAL_MS = 2_000;

export function uploadEntryOf(record: UploadRecord, now = Date.now()): UploadEntry {
  return {
    uploadId: record.id,
    videoUrl: `upload:${record.id}`,
    fileName: record.fileName,
    sizeBytes: record.length,
    bytesReceived: record.offset,
    state: record.state === "created" ? "uploading" : record.state,
    createdAt: record.createdAt,
    updatedAt: now,
    expiresAt: record.expiresAt
  };
}

export class UploadReporter {
  private last: { at: number; state: UploadEntry["state"] } | undefined;
  private pending: { record: UploadRecord; timer: ReturnType<typeof setTimeout> } | undefined;

  /** `keepAlive` is given each delivery (the object's `ctx.waitUntil`). */
  constructor(
    private readonly index: () => ConsoleStub,
    private readonly keepAlive: (delivery: Promise<void>) => void
  ) {}

  changed(record: UploadRecord): void {
    const state = uploadEntryOf(record).state;
    const wait = this.last?.state === state ? this.last.at + UPLOAD_REPORT_INTERVAL_MS - Date.now() : 0;
    if (wait <= 0) {
      this.send(record, this.last?.state !== state);
      return;
    }
    if (this.pending) this.pending.record = record;
    // SAFETY: `send` clears the timer whenever it drops `pending`.
    else this.pending = { record, timer: setTimeout(() => this.send(this.pending!.record, false), wait) };
  }

  private send(record: UploadRecord, newState: boolean): void {
    if (this.pending) clearTimeout(this.pending.timer);
    this.pending = undefined;
    const entry = uploadEntryOf(record);
    this.last = { at: Date.now(), state: entry.state };
    this.keepAlive(
      deliverWithRetries(
        () => this.index().recordUpload(entry),
        newState ? FINAL_RETRY_DELAYS_MS : [],
        "The console's index missed an upload's change"
      )
    );
  }
}
