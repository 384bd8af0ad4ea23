/**
 * `SessionDO`: one Durable Object per MCP session.
 *
 * A composition root: it wires the session's parts together and routes its
 * requests to them: the legacy SSE channel (`transport/legacy-sse.ts`: the
 * `/sse` streams, replay, broadcast, pings), the MCP servers (the seed
 * channels through `SessionTransport`, `/mcp` through the SDK's Streamable
 * HTTP transport), the analysis jobs (`jobs/`), and the timers
 * (`session/timers.ts`). The front Worker has already authenticated every
 * request and named the session (see `session/session-request.ts`).
 *
 * It installs agents' `Lifecycle` on a plain Durable Object rather than
 * extending `Agent`: the object routes its own requests to its MCP
 * transports and needs none of what `Agent` adds (WebSocket connections,
 * state sync, callable methods, chat); Lifecycle brings the startup and the
 * durable job queue its timers run on.
 *
 * ## Lifecycle
 * A session exists once `GET /sse` created it or an `/mcp` initialize
 * succeeded. Streams live until their client leaves, which the object learns
 * when a write fails; pings re-arm only while a stream is open. Jobs are
 * Task runs, which Tasks resumes when the object starts after a restart;
 * a heartbeat timer wakes it for that while jobs are active. Every alarm
 * checks for idle expiry.
 * @module
 */
import { DurableObject } from "cloudflare:workers";
import { Lifecycle, type LifecycleJobContext } from "agents/lifecycle";
import { Tasks, type TaskStep } from "agents/tasks";
import type { McpServer } from "@modelcontextprotocol/server";
import { readConfig, type Config } from "./config";
import type { Env } from "./env";
import { UserFacingError } from "./errors";
import { discardBody, readBodyText } from "./http/body";
import { sessionIds } from "./ids/signed-session-id";
import { errorFormatFor, HttpError, unknownSessionError } from "./http/errors";
import { createMcpServer, createTaskServer } from "./mcp-server";
import { consoleObject, ConsoleReporter } from "./session/console-reporter";
import { readSessionRoute, type SessionRoute } from "./session/session-request";
import { statelessReply } from "./stateless-rpc";
import { DEPLOYMENT_OWNER } from "./admission/admission-do";
import { admitJobs } from "./admission/admitted-jobs";
import { isFinal, type AnalysisInput, type Job } from "./jobs/job";
import type { JobService } from "./jobs/job-service";
import { JOB_HEARTBEAT, JobManager } from "./jobs/job-manager";
import { type JobOwner, routeJobs } from "./jobs/job-routing";
import { JobStore } from "./jobs/job-store";
import { UploadRegistry } from "./jobs/upload-registry";
import { type VideoFile, VideoFiles } from "./jobs/video-files";
import { EVENT_LOG_LIMIT, SessionStore } from "./session/session-store";
import { ANALYSIS_TASK, jobRunsOn, type AnalysisTasks } from "./session/job-runs";
import { sharedUploads } from "./session/shared-uploads";
import { SessionTimers } from "./session/timers";
import { TaskStore } from "./tasks/task-store";
import { isTaskMethod, runsAsTask } from "./tasks/task-routing";
import type { ToolDeps } from "./tools";
import { MAX_WAIT_SECONDS } from "./tools/job-tools";
import { parseJsonRpcBody } from "./transport/jsonrpc";
import { answerRpcBody } from "./transport/rpc-endpoint";
import { LegacySseChannel, PING_DEADLINE } from "./transport/legacy-sse";
import { SessionTransport } from "./transport/session-transport";
import { SqliteEventStore } from "./transport/event-store";
import { createStatelessHttp, type StatelessHttp } from "./transport/stateless-http";
import { StreamableHttpSession } from "./transport/streamable-http";

/** The timer that wakes an idle session to check it for expiry. */
const EXPIRY = "expiry";

/** Any table but the runtime's own (`_cf_*`). */
const OWN_TABLE = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' LIMIT 1";

interface SessionMcp {
  server: McpServer;
  transport: SessionTransport;
}

function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export class SessionDO extends DurableObject<Env> {
  /** The analyses' durable runs (see `session/job-runs.ts`). */
  readonly tasks: AnalysisTasks = new Tasks({
    definitions: {
      [ANALYSIS_TASK]: (input: { jobId: string }, step: TaskStep) => this.jobs().runTask(input.jobId, step)
    }
  });
  readonly lifecycle = Lifecycle.install(this).use(this.tasks);
  private readonly config: Config;
  private readonly store: SessionStore;
  /** The register of uploads of the video this object is named after, if it is one (see `jobs/upload-registry.ts`). */
  private readonly uploads: UploadRegistry;
  private readonly timers = new SessionTimers(() => this.lifecycle.jobs);
  private readonly sse: LegacySseChannel;
  private sessionId = "";
  private mcp: Promise<SessionMcp> | undefined;
  private http: Promise<StreamableHttpSession> | undefined;
  private stateless: StatelessHttp | undefined;
  private taskEndpoint: StatelessHttp | undefined;
  private jobManager: JobManager | undefined;
  private ended = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.config = readConfig(env);
    this.store = new SessionStore(ctx.storage);
    this.uploads = new UploadRegistry(ctx.storage.sql);
    this.sse = new LegacySseChannel({
      sessionId: () => this.sessionId,
      log: this.store,
      timer: this.timers,
      pingIntervalMs: this.config.pingIntervalMs,
      eventLogLimit: EVENT_LOG_LIMIT
    });
  }

  /** Lifecycle's startup, after Tasks resumed the runs a restart interrupted: a run for any active job without one. */
  async onStart(): Promise<void> {
    await this.jobs().resume();
    await this.jobs().heartbeat();
  }

  /** Every request, once Lifecycle has started the object. */
  async onRequest(request: Request): Promise<Response> {
    const route = readSessionRoute(request);
    const refusal = this.enterSession(route);
    if (refusal) {
      await discardBody(request);
      return refusal;
    }
    if (this.store.exists()) this.store.touch();
    try {
      return await this.route(route, request);
    } catch (error) {
      if (error instanceof HttpError) return error.getResponse(errorFormatFor(route.path));
      throw error;
    } finally {
      await this.watchForExpiry();
    }
  }

  /**
   * Any object with storage (once it started, agents' tables at least) looks
   * at itself for expiry in a TTL at the latest, whatever made it: a session,
   * the jobs of session-less calls, a video's uploads, or a call that left
   * nothing of its own. An object that ended stays without alarms while in
   * memory (its queue went with its storage).
   */
  private async watchForExpiry(): Promise<void> {
    if (this.ended || this.timers.has(EXPIRY) || !this.hasStorage()) return;
    await this.timers.set(EXPIRY, Date.now() + this.config.sessionTtlMs);
  }

  private hasStorage(): boolean {
    return this.ctx.storage.sql.exec(OWN_TABLE).toArray().length > 0;
  }

  private async route(route: SessionRoute, request: Request): Promise<Response> {
    switch (route.path) {
      case "/sse":
        return this.sse.open(request.headers.get("Last-Event-ID"));
      case "/messages":
        return this.postMessages(request);
      case "/rpc":
        return this.postRpc(request, route.mode);
      case "/mcp":
        if (route.mode === "ephemeral") return this.modernMcp(request);
        return (await this.streamableHttp()).handle(request);
      default:
        return new HttpError(404, "not_found", `No session route ${route.path}`).getResponse("json");
    }
  }

  /** A queued timer came due: a waiting call or retry wakes, the streams are pinged, or the jobs' heartbeat beats. */
  async onJob({ job }: LifecycleJobContext): Promise<void> {
    const name = this.timers.due(job);
    if (name === PING_DEADLINE) await this.sse.ping();
    else if (name === JOB_HEARTBEAT) await this.jobs().heartbeat();
  }

  /**
   * After the due timers of every alarm (the expiry deadline only wakes the
   * object for this): a session that ends deletes the queue with its
   * storage, which no job's own run may do.
   */
  async onAlarm(): Promise<void> {
    await this.expireIfIdle();
  }

  /**
   * Ends a session left idle (no stream, no running job, no request) for
   * SESSION_TTL_SECONDS; otherwise sets the deadline to look again.
   */
  private async expireIfIdle(): Promise<void> {
    if (this.jobs().busy || this.sse.hasOpenStreams || (await this.http)?.hasOpenStreams) {
      // Running jobs and open streams are activity; look again in a TTL (/mcp streams set no ping deadline).
      await this.timers.set(EXPIRY, Date.now() + this.config.sessionTtlMs);
      return;
    }
    // A session-less call leaves no session record, only the jobs it started (or nothing at all).
    const idleSince = Math.max(
      this.store.exists() ? this.store.lastActiveAt() : 0,
      this.jobs().lastActivity(),
      this.uploads.lastUsed()
    );
    const expiresAt = idleSince + this.config.sessionTtlMs;
    if (Date.now() >= expiresAt) await this.endSession();
    else await this.timers.set(EXPIRY, expiresAt);
  }

  /** The session's jobs; created on first use, so a restart can resume them. */
  private jobs(): JobManager {
    this.jobManager ??= new JobManager({
      sessionId: () => this.sessionId,
      store: new JobStore(this.ctx.storage.sql),
      files: new VideoFiles(this.ctx.storage.sql),
      shared: sharedUploads({
        ids: () => sessionIds(this.env.SHARED_SECRET),
        self: this.ctx.id.toString(),
        isSelf: (sessionId) => this.env.SESSIONS.idFromName(sessionId).equals(this.ctx.id),
        local: this.uploads,
        objectOf: (sessionId) => this.env.SESSIONS.get(this.env.SESSIONS.idFromName(sessionId))
      }),
      timers: this.timers,
      runs: jobRunsOn(this.tasks),
      gemini: this.config.gemini,
      fetch: (input, init) => fetch(input, init),
      allowPrivateVideoUrls: this.config.allowPrivateVideoUrls,
      maxVideoBytes: this.config.maxVideoBytes,
      sourceTimeouts: this.config.sourceTimeouts,
      observer: new ConsoleReporter(
        () => consoleObject(this.env),
        (delivery) => this.ctx.waitUntil(delivery)
      )
    });
    return this.jobManager;
  }

  /** The session's jobs as callers start them: each takes one of the owner's slots first. */
  private admittedJobs(): JobService {
    return admitJobs(
      routeJobs(this.jobs(), (sessionId) => this.jobOwner(sessionId)),
      {
        admission: () => this.env.ADMISSION.get(this.env.ADMISSION.idFromName(DEPLOYMENT_OWNER)),
        limit: this.config.maxConcurrentAnalyses,
        sessionId: () => this.sessionId
      }
    );
  }

  private toolDeps(): ToolDeps {
    return {
      jobs: this.admittedJobs(),
      defaultModel: this.config.gemini.model,
      callBudgetMs: this.config.toolCallBudgetMs
    };
  }

  /**
   * The session a job id names, asked only once the id proves to be one this
   * server issued: a forged or mistyped job id makes no Durable Object.
   */
  private jobOwner(sessionId: string): JobOwner {
    const owner = async () =>
      (await sessionIds(this.env.SHARED_SECRET).verify(sessionId))
        ? this.env.SESSIONS.get(this.env.SESSIONS.idFromName(sessionId))
        : undefined;
    return {
      waitForJob: async (jobId, timeoutMs) => (await owner())?.waitForJob(jobId, timeoutMs),
      cancelJob: async (jobId, reason) => (await owner())?.cancelJob(jobId, reason)
    };
  }

  /** RPC for `SharedUploads`: a file another object kept for this video, which `reader` may read. */
  async findUpload(videoUrl: string, sourceTag: string, reader: string): Promise<VideoFile | undefined> {
    if (!this.uploads.exists()) return undefined;
    return this.registerCall(() => this.uploads.find(videoUrl, sourceTag, reader));
  }

  /** RPC for `SharedUploads`: `owner` keeps a file of this video that others may read. */
  async offerUpload(file: VideoFile, owner: string): Promise<void> {
    const displaced = await this.registerCall(() => this.uploads.offer(file, owner));
    if (displaced) await this.jobs().releaseFile(displaced.fileName, { evenIfKept: true });
  }

  /** RPC for `SharedUploads`: `owner` ends; true when this object keeps its file on, because another read it. */
  async handOverUpload(fileName: string, owner: string): Promise<boolean> {
    // An object that never registered (or has ended) stays without storage.
    if (!this.uploads.exists()) return false;
    return this.registerCall(() => this.uploads.handOver(fileName, owner));
  }

  /** RPC for `SharedUploads`: the file is gone. */
  async withdrawUpload(fileName: string): Promise<void> {
    if (this.uploads.exists()) this.uploads.withdraw(fileName);
  }

  /** A change to the register is activity: the object ends a SESSION_TTL_SECONDS after the last one. */
  private registerCall<T>(change: () => T): Promise<T> {
    return this.startedFor(async () => change());
  }

  /** An RPC that needs the object started (so it has storage), which then watches itself for expiry. */
  private async startedFor<T>(work: () => Promise<T>): Promise<T> {
    await this.lifecycle.start();
    try {
      return await work();
    } finally {
      await this.watchForExpiry();
    }
  }

  /** RPC for `AdmissionDO`: whether a job holding one of the owner's slots still runs. */
  async isJobActive(jobId: string): Promise<boolean> {
    const job = this.jobs().get(jobId);
    return job !== undefined && !isFinal(job);
  }

  /** RPC for `routeJobs`: another session asks about a job this one runs. */
  async waitForJob(jobId: string, timeoutMs: number): Promise<Job | undefined> {
    return this.startedFor(() => this.jobs().wait(jobId, Math.min(timeoutMs, MAX_WAIT_SECONDS * 1000)));
  }

  /** RPC for `routeJobs`: another session cancels a job this one runs. */
  async cancelJob(jobId: string, reason?: string): Promise<Job | undefined> {
    return this.startedFor(() => this.jobs().cancel(jobId, reason));
  }

  /** RPC for the console: starts a background analysis here, as a session-less `/rpc` call to `sessionId` would. */
  async startAnalysis(sessionId: string, input: AnalysisInput): Promise<Job | { refused: string }> {
    this.sessionId = sessionId;
    await this.lifecycle.start();
    try {
      return await this.admittedJobs().start(input, { background: true });
    } catch (error) {
      if (error instanceof UserFacingError) return { refused: error.message };
      throw error;
    } finally {
      await this.watchForExpiry();
    }
  }

  private enterSession(route: SessionRoute): Response | undefined {
    if (route.mode === "create") {
      this.store.create(route.sessionId);
    } else if (route.mode === "attach" && !this.store.exists()) {
      return unknownSessionError().getResponse(errorFormatFor(route.path));
    }
    this.sessionId = route.sessionId;
    return undefined;
  }

  private async postMessages(request: Request): Promise<Response> {
    const parsed = parseJsonRpcBody(await readBodyText(request));
    if (parsed.kind === "unparseable") return Response.json(parsed.response, { status: 400 });
    const { transport } = await this.connectMcp();
    for (const item of parsed.items) {
      if (item.kind === "message") transport.receiveFromStream(item.message);
      else this.sse.broadcast(item.response);
    }
    return new Response(null, { status: 202 });
  }

  /**
   * `/rpc` bound to the session goes through the session's server, so its
   * progress reaches the session's streams; a session-less call gets a server
   * of its own, whose progress goes nowhere (it has no stream), whichever
   * session's object it runs in.
   */
  private async postRpc(request: Request, mode: SessionRoute["mode"]): Promise<Response> {
    const text = await readBodyText(request);
    if (mode !== "ephemeral") return answerRpcBody(text, (await this.connectMcp()).transport);
    const server = createMcpServer(this.toolDeps());
    const transport = new SessionTransport(() => {});
    await server.connect(transport);
    try {
      return await answerRpcBody(text, transport);
    } finally {
      await server.close();
    }
  }

  /** The session's Streamable HTTP endpoint, restored from storage after a restart. */
  private streamableHttp(): Promise<StreamableHttpSession> {
    this.http ??= (async () => {
      const session = await StreamableHttpSession.open({
        sessionId: this.sessionId,
        server: createMcpServer(this.toolDeps()),
        keepAliveMs: this.config.pingIntervalMs,
        eventStore: new SqliteEventStore(this.ctx.storage.sql, this.sessionId),
        onInitialized: (initializeRequest) => {
          this.store.create(this.sessionId);
          this.store.saveInitializeRequest(initializeRequest);
        },
        onDeleted: () => this.endSession(),
        onStreamClosed: () => {
          if (this.store.exists()) this.store.touch();
        },
        immediateReply: statelessReply
      });
      const stored = this.store.initializeRequest();
      if (stored) await session.restore(stored);
      return session;
    })();
    return this.http;
  }

  /**
   * 2026-era `/mcp` requests: no session, a fresh server per request over
   * this object's jobs. A `tools/call` that becomes a task, and `tasks/*`,
   * go to the task server; any other tool call blocks with progress.
   */
  private async modernMcp(request: Request): Promise<Response> {
    const text = await readBodyText(request);
    const replay = new Request(request, { body: text });
    const parsedBody = parseJsonText(text);
    if (runsAsTask(parsedBody) || isTaskMethod(parsedBody)) return this.taskHttp().handle(replay, parsedBody);
    return this.statelessMcp().handle(replay, parsedBody);
  }

  private statelessMcp(): StatelessHttp {
    this.stateless ??= createStatelessHttp(() => createMcpServer(this.toolDeps()), this.config.pingIntervalMs);
    return this.stateless;
  }

  /** Task answers are single JSON bodies: nothing to keep alive. Tasks live as long as an idle session (SESSION_TTL_SECONDS), so the object outlives them. */
  private taskHttp(): StatelessHttp {
    this.taskEndpoint ??= createStatelessHttp(
      () =>
        createTaskServer({ tools: this.toolDeps(), store: new TaskStore(this.ctx.storage.sql), ttlMs: this.config.sessionTtlMs }),
      0
    );
    return this.taskEndpoint;
  }

  /**
   * Ends the session for good: jobs cancelled, Gemini files deleted, streams
   * closed, storage and alarm deleted. The object's alarms stay off until it
   * leaves memory (Lifecycle's queue went with the storage).
   */
  private async endSession(): Promise<void> {
    this.ended = true;
    await this.jobs().endAll("the session ended");
    // Out of the register first, so nobody is handed a file being deleted.
    const adopted = this.uploads.adopted();
    for (const file of adopted) this.uploads.withdraw(file.fileName);
    const release = { evenIfKept: true, evenIfInUse: true };
    await Promise.allSettled(adopted.map((file) => this.jobs().releaseFile(file.fileName, release)));
    this.sse.closeAll();
    const [mcp, http] = [this.mcp, this.http];
    this.mcp = undefined;
    this.http = undefined;
    this.jobManager = undefined;
    this.timers.reset();
    await this.lifecycle.disableAlarms();
    await this.store.destroy();
    this.uploads.forget();
    await (await mcp)?.server.close();
    await (await http)?.close();
  }

  private connectMcp(): Promise<SessionMcp> {
    this.mcp ??= (async () => {
      const server = createMcpServer(this.toolDeps());
      const transport = new SessionTransport((message) => this.sse.broadcast(message));
      await server.connect(transport);
      return { server, transport };
    })();
    return this.mcp;
  }
}
