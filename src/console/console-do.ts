/**
 * `ConsoleDO`: the deployment's one console object. Session objects report
 * every job change to it (`record`); it keeps the index of analyses, streams
 * changes to the console pages that have the list open, holds the
 * console's sign-in sessions, and keeps the deployment's spend (`SpendLedger`:
 * each finished analysis's cost, for the console's totals and the daily cap).
 * Upload objects report each upload to it too (`recordUpload`), and when an
 * analysis of an upload is cancelled and no other analysis reads that
 * upload, it has the upload deleted (its Gemini file goes).
 *
 * ## Lifecycle
 * One object named `CONSOLE_OBJECT_NAME`, living as long as the deployment.
 * Each stream belongs to the sign-in that opened it (`CONSOLE_SESSION_HEADER`)
 * and lasts until its page leaves (a failed write tells), that sign-in signs
 * out, or it expires; a comment every `KEEPALIVE_MS` keeps them open through
 * proxies while any is open.
 * @module
 */
import { DurableObject } from "cloudflare:workers";
import { readConfig } from "../config";
import { SpendLedger, type SpendTotals } from "../cost/spend";
import type { Env } from "../env";
import type { JobReport } from "../session/console-reporter";
import { encodeSseComment, encodeSseEvent } from "../transport/sse";
import { SseStream } from "../transport/sse-stream";
import { AnalysesStore } from "./analyses-store";
import { type AnalysisEntry, toEntry } from "./analysis-entry";
import { ConsoleSessions } from "./console-sessions";
import { UploadsStore } from "./uploads-store";
import { uploadIdOf } from "../ids/upload-id";
import type { UploadEntry } from "../tools/deps";
import { uploadObject } from "../uploads/upload-service";

export const KEEPALIVE_MS = 25_000;
/** The request header the Worker names the stream's sign-in in (its token's hash). */
export const CONSOLE_SESSION_HEADER = "X-Console-Session";

interface Viewer {
  tokenHash: string;
  expiry: ReturnType<typeof setTimeout>;
}

export class ConsoleDO extends DurableObject<Env> {
  private readonly analyses: AnalysesStore;
  private readonly sessions: ConsoleSessions;
  private readonly spending: SpendLedger;
  private readonly uploads: UploadsStore;
  private readonly viewers = new Map<SseStream, Viewer>();
  private keepAlive: ReturnType<typeof setInterval> | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.analyses = new AnalysesStore(ctx.storage.sql, readConfig(env).sessionTtlMs);
    this.sessions = new ConsoleSessions(ctx.storage.sql);
    this.spending = new SpendLedger(ctx.storage.sql);
    this.uploads = new UploadsStore(ctx.storage.sql);
  }

  /** A session object reports a job as it now stands; a finished one's cost goes into the spend. */
  async record(report: JobReport): Promise<void> {
    const { job } = report;
    if (job.state === "done" && job.details.costUsd !== undefined)
      this.spending.record(job.id, job.details.costUsd, job.updatedAt);
    if (!this.analyses.record(report)) return;
    if (job.state === "cancelled") this.releaseUpload(job.input.videoUrl, job.id);
    this.broadcast(encodeSseEvent({ event: "analysis", data: JSON.stringify(toEntry(report)) }));
  }

  /** An upload object reports its upload as it now stands. */
  async recordUpload(entry: UploadEntry): Promise<void> {
    if (!this.uploads.record(entry)) return;
    this.broadcast(encodeSseEvent({ event: "upload", data: JSON.stringify(entry) }));
  }

  /** The deployment's uploads still alive, newest first. */
  async listUploads(): Promise<UploadEntry[]> {
    return this.uploads.list();
  }

  /** A cancelled analysis of an upload that no other analysis reads: the upload and its Gemini file go. */
  private releaseUpload(videoUrl: string, cancelledId: string): void {
    const uploadId = uploadIdOf(videoUrl);
    if (!uploadId || this.analyses.readsUpload(videoUrl, cancelledId)) return;
    this.ctx.waitUntil(
      uploadObject(this.env, uploadId)
        .discard()
        .catch((error: unknown) => console.error("The upload of a cancelled analysis was not deleted", error))
    );
  }

  private broadcast(frame: Uint8Array): void {
    for (const viewer of this.viewers.keys()) viewer.write(frame);
  }

  async get(id: string): Promise<JobReport | undefined> {
    return this.analyses.get(id);
  }

  async list(): Promise<AnalysisEntry[]> {
    return this.analyses.list();
  }

  /** What the deployment has spent on Gemini today and this month (UTC). */
  async spend(): Promise<SpendTotals> {
    return this.spending.totals();
  }

  /** Today's spend and the estimates of the analyses still running but `jobId` (what MAX_COST_USD_PER_DAY counts). */
  async committedToday(jobId: string): Promise<number> {
    return this.spending.totals().todayUsd + this.analyses.runningEstimatesUsd(jobId);
  }

  async createSession(tokenHash: string, expiresAt: number): Promise<void> {
    this.sessions.create(tokenHash, expiresAt);
  }

  async isSession(tokenHash: string): Promise<boolean> {
    return this.sessions.expiresAt(tokenHash) !== undefined;
  }

  /** Ends the sign-in and closes the streams it opened. */
  async endSession(tokenHash: string): Promise<void> {
    this.sessions.end(tokenHash);
    for (const [stream, viewer] of this.viewers) if (viewer.tokenHash === tokenHash) stream.close();
  }

  /**
   * The list's event stream for the sign-in `CONSOLE_SESSION_HEADER` names:
   * every analysis at once (`analyses`) and, when there are any, every live
   * upload (`uploads`), then each change (`analysis`, `upload`).
   */
  override async fetch(request: Request): Promise<Response> {
    const tokenHash = request.headers.get(CONSOLE_SESSION_HEADER) ?? "";
    const expiresAt = this.sessions.expiresAt(tokenHash);
    if (expiresAt === undefined) return new Response(null, { status: 401 });
    const stream = new SseStream();
    stream.write(encodeSseEvent({ event: "analyses", data: JSON.stringify(this.analyses.list()) }));
    const uploads = this.uploads.list();
    if (uploads.length) stream.write(encodeSseEvent({ event: "uploads", data: JSON.stringify(uploads) }));
    this.viewers.set(stream, { tokenHash, expiry: setTimeout(() => stream.close(), expiresAt - Date.now()) });
    stream.onclose = () => {
      clearTimeout(this.viewers.get(stream)?.expiry);
      this.viewers.delete(stream);
      if (this.viewers.size === 0) {
        clearInterval(this.keepAlive);
        this.keepAlive = undefined;
      }
    };
    this.keepAlive ??= setInterval(() => {
      for (const viewer of this.viewers.keys()) viewer.write(encodeSseComment("keepalive"));
    }, KEEPALIVE_MS);
    return new Response(stream.body, {
      headers: { "Content-Type": "text/event-stream", "Cache-Control": "no-store", "X-Accel-Buffering": "no" }
    });
  }
}
