/**
 * `SessionDO`: one Durable Object per MCP session, and a composition root:
 * it wires the session's parts, routes its requests to them and answers
 * other objects' RPC. The parts, in `session/`: the channels to its MCP
 * servers (`channels.ts`) and their tools' dependencies (`tool-deps.ts`),
 * the analysis jobs (`session-jobs.ts`), the register of a video's shared
 * uploads (`shared-uploads.ts`), timers, idle expiry and the session's end
 * (`timers.ts`, `expiry.ts`, `session-end.ts`). The front Worker has
 * authenticated every request and named its session.
 *
 * It installs agents' `Lifecycle` on a plain Durable Object rather than
 * extending `Agent`, whose WebSocket connections, state sync and chat it
 * does not need: Lifecycle brings the startup (Tasks resumes interrupted
 * job runs) and the durable job queue its timers run on.
 * @module
 */
import { DurableObject } from "cloudflare:workers";
import { Lifecycle, type LifecycleJobContext } from "agents/lifecycle";
import { Tasks, type TaskStep } from "agents/tasks";
import { readConfig } from "./config";
import type { Env } from "./env";
import { discardBody } from "./http/body";
import { HttpError, unknownSessionError } from "./http/errors";
import { errorFormatFor, isSessionPath, type SessionPath } from "./http/routes";
import type { AnalysisInput, Job } from "./jobs/job";
import { JOB_HEARTBEAT } from "./jobs/job-manager";
import { UploadRegistry } from "./jobs/upload-registry";
import type { VideoFile } from "./jobs/video-files";
import { SessionChannels } from "./session/channels";
import { SessionExpiry } from "./session/expiry";
import { endSession } from "./session/session-end";
import { ANALYSIS_TASK, type AnalysisTasks } from "./session/job-runs";
import { readSessionRoute, type SessionRoute } from "./session/session-request";
import { SessionStore } from "./session/session-store";
import { ServedRegister } from "./session/shared-uploads";
import { SessionJobs } from "./session/session-jobs";
import { SessionTimers } from "./session/timers";
import { sessionToolDeps } from "./session/tool-deps";
import { PING_DEADLINE } from "./transport/legacy-sse";

type RouteHandler = (request: Request, route: SessionRoute) => Promise<Response>;

export class SessionDO extends DurableObject<Env> {
  /** The analyses' durable runs (see `session/job-runs.ts`). */
  readonly tasks: AnalysisTasks = new Tasks({
    definitions: {
      [ANALYSIS_TASK]: (input: { jobId: string }, step: TaskStep) => this.jobs.local.runTask(input.jobId, step)
    }
  });
  readonly lifecycle = Lifecycle.install(this).use(this.tasks);
  private readonly config = readConfig(this.env);
  private readonly store = new SessionStore(this.ctx.storage);
  /** The register of uploads of the video this object is named after, if it is one (see `jobs/upload-registry.ts`). */
  private readonly uploads = new UploadRegistry(this.ctx.storage.sql);
  private readonly register = new ServedRegister(this.uploads, {
    started: (work) => this.startedFor(work),
    releaseFile: (fileName, options) => this.jobs.local.releaseFile(fileName, options)
  });
  private readonly timers = new SessionTimers(() => this.lifecycle.jobs);
  private readonly jobs = new SessionJobs({
    ctx: this.ctx,
    env: this.env,
    config: this.config,
    sessionId: () => this.sessionId,
    timers: this.timers,
    tasks: this.tasks,
    uploads: this.uploads
  });
  private readonly channels = new SessionChannels({
    sessionId: () => this.sessionId,
    config: this.config,
    store: this.store,
    sql: this.ctx.storage.sql,
    timer: this.timers,
    toolDeps: () => sessionToolDeps(this.env, this.config, this.jobs.admitted(), () => this.origin),
    onDeleted: () => this.expiry.end()
  });
  private readonly expiry: SessionExpiry = new SessionExpiry({
    timers: this.timers,
    ttlMs: this.config.sessionTtlMs,
    sql: this.ctx.storage.sql,
    isActive: async () => this.jobs.local.busy || (await this.channels.hasOpenStreams()),
    // A session-less call leaves no session record, only the jobs it started (or nothing at all).
    lastActiveAt: () =>
      Math.max(this.store.exists() ? this.store.lastActiveAt() : 0, this.jobs.local.lastActivity(), this.register.lastUsed()),
    tearDown: () =>
      endSession({
        jobs: this.jobs,
        register: this.register,
        channels: this.channels,
        timers: this.timers,
        lifecycle: this.lifecycle,
        store: this.store
      })
  });
  private sessionId = "";
  /** The origin the latest request came to: the library's links to the console and the URLs of uploads start with it. */
  private origin = this.config.publicOrigin ?? "";

  /** Every path `http/routes.ts` marks as a session's. */
  private readonly routes: Record<SessionPath, RouteHandler> = {
    "/sse": (request) => this.channels.openSse(request),
    "/messages": (request) => this.channels.postMessages(request),
    "/rpc": (request, route) => this.channels.postRpc(request, route.mode),
    "/mcp": (request, route) => this.channels.mcpRequest(request, route.mode)
  };

  /** Lifecycle's startup, after Tasks resumed the runs a restart interrupted: a run for any active job without one. */
  async onStart(): Promise<void> {
    await this.jobs.local.resume();
    await this.jobs.local.heartbeat();
  }

  /** Every request, once Lifecycle has started the object. */
  async onRequest(request: Request): Promise<Response> {
    const route = readSessionRoute(request);
    if (!this.store.admits(route)) {
      await discardBody(request);
      return unknownSessionError().getResponse(errorFormatFor(route.path));
    }
    this.sessionId = route.sessionId;
    if (route.origin !== undefined) this.origin = route.origin;
    if (this.store.exists()) this.store.touch();
    try {
      if (!isSessionPath(route.path)) throw new HttpError(404, "not_found", `No session route ${route.path}`);
      return await this.routes[route.path](request, route);
    } catch (error) {
      if (error instanceof HttpError) return error.getResponse(errorFormatFor(route.path));
      throw error;
    } finally {
      await this.expiry.watch();
    }
  }

  /** A queued timer came due: a waiting call or retry wakes, the streams are pinged, or the jobs' heartbeat beats. */
  async onJob({ job }: LifecycleJobContext): Promise<void> {
    const name = this.timers.due(job);
    if (name === PING_DEADLINE) await this.channels.ping();
    else if (name === JOB_HEARTBEAT) await this.jobs.local.heartbeat();
  }

  /**
   * After the due timers of every alarm (the expiry deadline only wakes the
   * object for this): a session that ends deletes the queue with its
   * storage, which no job's own run may do.
   */
  async onAlarm(): Promise<void> {
    await this.expiry.expireIfIdle();
  }

  // RPC for `SharedUploads`, served by the register of the video this object is named after (`ServedRegister`).
  findUpload(videoUrl: string, sourceTag: string, reader: string): Promise<VideoFile | undefined> {
    return this.register.findUpload(videoUrl, sourceTag, reader);
  }

  offerUpload(file: VideoFile, owner: string): Promise<void> {
    return this.register.offerUpload(file, owner);
  }

  handOverUpload(fileName: string, owner: string): Promise<boolean> {
    return this.register.handOverUpload(fileName, owner);
  }

  withdrawUpload(fileName: string): Promise<void> {
    return this.register.withdrawUpload(fileName);
  }

  /** RPC for `AdmissionDO`: whether a job holding one of the owner's slots still runs. */
  async isJobActive(jobId: string): Promise<boolean> {
    return this.jobs.isActive(jobId);
  }

  /** RPC for `routeJobs`: another session asks about a job this one runs. */
  waitForJob(jobId: string, timeoutMs: number): Promise<Job | undefined> {
    return this.startedFor(() => this.jobs.waitForOther(jobId, timeoutMs));
  }

  /** RPC for `routeJobs`: another session cancels a job this one runs. */
  cancelJob(jobId: string, reason?: string): Promise<Job | undefined> {
    return this.startedFor(() => this.jobs.local.cancel(jobId, reason));
  }

  /** RPC for the console: starts a background analysis here, as a session-less `/rpc` call to `sessionId` would. */
  async startAnalysis(sessionId: string, input: AnalysisInput): Promise<Job | { refused: string }> {
    this.sessionId = sessionId;
    return this.startedFor(() => this.jobs.startInBackground(input));
  }

  /** An RPC that needs the object started (so it has storage), which then watches itself for expiry. */
  private async startedFor<T>(work: () => Promise<T>): Promise<T> {
    await this.lifecycle.start();
    try {
      return await work();
    } finally {
      await this.expiry.watch();
    }
  }
}
