/**
 * `SessionDO`: one Durable Object per MCP session.
 *
 * It holds the session's open SSE streams, runs the session's MCP servers
 * (the seed channels through `SessionTransport`, `/mcp` through the SDK's
 * Streamable HTTP transport), runs the session's analysis jobs, and drives
 * every timer from its one alarm. The front Worker has already authenticated
 * every request and named the session (see `session-request.ts`).
 *
 * ## Lifecycle
 * A session exists once `GET /sse` created it or an `/mcp` initialize
 * succeeded. Streams live until their client leaves, which the object learns
 * when a write fails; pings re-arm only while a stream is open. Jobs keep
 * the alarm beating while they run; after a restart the alarm resumes them.
 * @module
 */
import { DurableObject } from "cloudflare:workers";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { ErrorCode, type JSONRPCMessage, type JSONRPCResponse } from "@modelcontextprotocol/sdk/types.js";
import { readConfig, type Config } from "./config";
import type { Env } from "./env";
import { discardBody, readBodyText } from "./http/body";
import { errorFormatFor, HttpError, unknownSessionError } from "./http/errors";
import { createMcpServer } from "./mcp-server";
import { readSessionRoute, type SessionRoute } from "./session/session-request";
import type { Job } from "./jobs/job";
import { JobManager } from "./jobs/job-manager";
import { routeJobs } from "./jobs/job-routing";
import { JobStore } from "./jobs/job-store";
import { VideoFiles } from "./jobs/video-files";
import { AlarmScheduler } from "./session/scheduler";
import { eventId, parseEventId } from "./ids/session-id";
import { EVENT_LOG_LIMIT, SessionStore } from "./session/session-store";
import type { ToolDeps } from "./tools";
import { MAX_WAIT_SECONDS } from "./tools/job-tools";
import { parseJsonRpcBody, type IncomingItem } from "./transport/jsonrpc";
import { encodeSseComment, encodeSseEvent } from "./transport/sse";
import { SseStream } from "./transport/sse-stream";
import { SessionTransport } from "./transport/session-transport";
import { SqliteEventStore } from "./transport/event-store";
import { StreamableHttpSession } from "./transport/streamable-http";

/** The scheduler deadline of the next ping. */
const PING = "ping";
/** The scheduler deadline at which an idle session is checked for expiry. */
const EXPIRY = "expiry";

const SSE_HEADERS = {
  "Content-Type": "text/event-stream; charset=utf-8",
  "Cache-Control": "no-cache, no-transform",
  Connection: "keep-alive",
  "X-Accel-Buffering": "no"
};

interface SessionMcp {
  server: McpServer;
  transport: SessionTransport;
}

export class SessionDO extends DurableObject<Env> {
  private readonly config: Config;
  private readonly store: SessionStore;
  private readonly scheduler: AlarmScheduler;
  private readonly streams = new Set<SseStream>();
  private sessionId = "";
  private mcp: Promise<SessionMcp> | undefined;
  private http: Promise<StreamableHttpSession> | undefined;
  private jobManager: JobManager | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.config = readConfig(env);
    this.store = new SessionStore(ctx.storage);
    this.scheduler = new AlarmScheduler(ctx.storage);
    // A restart interrupted whatever jobs were running: carry on at once, and
    // keep the alarm an earlier instance set (a first request must not push it back).
    void ctx.blockConcurrencyWhile(async () => {
      await this.scheduler.restore();
      await this.jobs().heartbeat();
    });
  }

  override async fetch(request: Request): Promise<Response> {
    const route = readSessionRoute(request);
    const refusal = this.enterSession(route);
    if (refusal) {
      await discardBody(request);
      return refusal;
    }
    if (this.store.exists()) {
      this.store.touch();
      if (!this.scheduler.has(EXPIRY)) await this.scheduler.set(EXPIRY, Date.now() + this.config.sessionTtlMs);
    }
    try {
      return await this.route(route, request);
    } catch (error) {
      if (error instanceof HttpError) return error.getResponse(errorFormatFor(route.path));
      throw error;
    }
  }

  private async route(route: SessionRoute, request: Request): Promise<Response> {
    switch (route.path) {
      case "/sse":
        return this.openStream(request.headers.get("Last-Event-ID"));
      case "/messages":
        return this.postMessages(request);
      case "/rpc":
        return this.postRpc(request);
      case "/mcp":
        return (await this.streamableHttp()).handle(request);
      default:
        return new HttpError(404, "not_found", `No session route ${route.path}`).getResponse("json");
    }
  }

  /**
   * Runs whatever is due: wakes sleeping jobs, pings the streams, and resumes
   * jobs a restart interrupted; then points the alarm at the next deadline.
   */
  override async alarm(): Promise<void> {
    const due = this.scheduler.takeDue();
    if (due.includes(PING)) await this.ping();
    await this.jobs().heartbeat();
    await this.expireIfIdle();
    await this.scheduler.rearm();
  }

  /**
   * Ends a session left idle (no stream, no running job, no request) for
   * SESSION_TTL_SECONDS; otherwise sets the deadline to look again.
   */
  private async expireIfIdle(): Promise<void> {
    if (this.jobs().busy) return;
    if (this.streams.size > 0 || (await this.http)?.hasOpenStreams) {
      // Open streams are activity; look again in a TTL (/mcp streams set no ping deadline).
      await this.scheduler.set(EXPIRY, Date.now() + this.config.sessionTtlMs);
      return;
    }
    // A session-less /rpc call leaves no session record, only the jobs it started.
    const idleSince = Math.max(this.store.exists() ? this.store.lastActiveAt() : 0, this.jobs().lastActivity());
    if (idleSince === 0) return;
    const expiresAt = idleSince + this.config.sessionTtlMs;
    if (Date.now() >= expiresAt) await this.endSession();
    else await this.scheduler.set(EXPIRY, expiresAt);
  }

  private async ping(): Promise<void> {
    const now = Date.now();
    const frame = encodeSseEvent({ event: "ping", data: String(now) });
    for (const stream of [...this.streams]) stream.write(frame);
    if (this.streams.size > 0) await this.scheduler.set(PING, now + this.config.pingIntervalMs);
  }

  /** The session's jobs; created on first use, so a restart can resume them. */
  private jobs(): JobManager {
    this.jobManager ??= new JobManager({
      sessionId: () => this.sessionId,
      store: new JobStore(this.ctx.storage.sql),
      files: new VideoFiles(this.ctx.storage.sql),
      scheduler: this.scheduler,
      gemini: this.config.gemini,
      fetch: (input, init) => fetch(input, init),
      allowPrivateVideoUrls: this.config.allowPrivateVideoUrls,
      maxVideoBytes: this.config.maxVideoBytes,
      sourceTimeouts: this.config.sourceTimeouts
    });
    return this.jobManager;
  }

  private toolDeps(): ToolDeps {
    return {
      jobs: routeJobs(this.jobs(), (sessionId) => this.env.SESSIONS.get(this.env.SESSIONS.idFromName(sessionId))),
      defaultModel: this.config.gemini.model,
      callBudgetMs: this.config.toolCallBudgetMs
    };
  }

  /** RPC for `routeJobs`: another session asks about a job this one runs. */
  async waitForJob(jobId: string, timeoutMs: number): Promise<Job | undefined> {
    return this.jobs().wait(jobId, Math.min(timeoutMs, MAX_WAIT_SECONDS * 1000));
  }

  /** RPC for `routeJobs`: another session cancels a job this one runs. */
  async cancelJob(jobId: string, reason?: string): Promise<Job | undefined> {
    return this.jobs().cancel(jobId, reason);
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

  /**
   * Opens a stream on the session. With `Last-Event-ID` (one of this
   * session's event ids), every stored event after it is replayed first; if
   * some were already trimmed, a `notice` event says so before the replay.
   */
  private async openStream(lastEventId: string | null): Promise<Response> {
    const stream = new SseStream();
    stream.onclose = () => this.streams.delete(stream);
    stream.write(encodeSseEvent({ event: "ready", data: JSON.stringify("ok") }));
    stream.write(encodeSseComment("keep-alive"));
    stream.write(encodeSseEvent({ event: "endpoint", data: `/messages?sessionId=${this.sessionId}` }));
    const resumeAfter = lastEventId === null ? undefined : parseEventId(lastEventId);
    if (resumeAfter && resumeAfter.sessionId === this.sessionId) {
      const { events, trimmed } = this.store.eventsAfter(resumeAfter.seq);
      if (trimmed) {
        stream.write(
          encodeSseEvent({
            event: "notice",
            data: JSON.stringify({
              type: "events_lost",
              message: `Some events after ${lastEventId} are no longer stored (the session keeps its newest ${EVENT_LOG_LIMIT}); replaying what is left, then live events.`
            })
          })
        );
      }
      for (const event of events) {
        stream.write(encodeSseEvent({ event: "message", id: eventId(this.sessionId, event.seq), data: event.data }));
      }
    }
    this.streams.add(stream);
    if (!this.scheduler.has(PING)) {
      await this.scheduler.set(PING, Date.now() + this.config.pingIntervalMs);
    }
    return new Response(stream.body, {
      headers: { ...SSE_HEADERS, "Mcp-Session-Id": this.sessionId }
    });
  }

  private async postMessages(request: Request): Promise<Response> {
    const parsed = parseJsonRpcBody(await readBodyText(request));
    if (parsed.kind === "unparseable") return Response.json(parsed.response, { status: 400 });
    const { transport } = await this.connectMcp();
    for (const item of parsed.items) {
      if (item.kind === "message") transport.receiveFromStream(item.message);
      else this.broadcast(item.response);
    }
    return new Response(null, { status: 202 });
  }

  private async postRpc(request: Request): Promise<Response> {
    const parsed = parseJsonRpcBody(await readBodyText(request));
    if (parsed.kind === "unparseable") return Response.json(parsed.response, { status: 400 });
    const { transport } = await this.connectMcp();
    const replies = (await Promise.all(parsed.items.map((item) => this.answerRpc(transport, item)))).filter(
      (reply): reply is JSONRPCResponse => reply !== undefined
    );
    if (replies.length === 0) return new Response(null, { status: 202 });
    if (parsed.batch) return Response.json(replies);
    const [item] = parsed.items;
    const malformed = item?.kind === "rejected" && item.response.error.code === ErrorCode.InvalidRequest;
    return Response.json(replies[0], { status: malformed ? 400 : 200 });
  }

  private answerRpc(transport: SessionTransport, item: IncomingItem): Promise<JSONRPCResponse> | undefined {
    if (item.kind === "rejected") return Promise.resolve(item.response);
    const { message } = item;
    if ("method" in message && "id" in message) return transport.request(message);
    transport.receiveFromRpc(message);
    return undefined;
  }

  /**
   * Stores one message in the session's event log and writes it to every open
   * stream, with a session-unique event id; a client away at the time gets
   * it when it reconnects with `Last-Event-ID`.
   */
  private broadcast(message: JSONRPCMessage): void {
    if (!this.store.exists()) return;
    const data = JSON.stringify(message);
    const frame = encodeSseEvent({ event: "message", id: eventId(this.sessionId, this.store.appendEvent(data)), data });
    for (const stream of [...this.streams]) stream.write(frame);
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
        }
      });
      const stored = this.store.initializeRequest();
      if (stored) await session.restore(stored);
      return session;
    })();
    return this.http;
  }

  /** Ends the session for good: jobs cancelled, Gemini files deleted, streams closed, storage and alarm deleted. */
  private async endSession(): Promise<void> {
    await this.jobs().endAll("the session ended");
    for (const stream of [...this.streams]) stream.close();
    const [mcp, http] = [this.mcp, this.http];
    this.mcp = undefined;
    this.http = undefined;
    this.jobManager = undefined;
    this.scheduler.reset();
    await this.store.destroy();
    await (await mcp)?.server.close();
    await (await http)?.close();
  }

  private connectMcp(): Promise<SessionMcp> {
    this.mcp ??= (async () => {
      const server = createMcpServer(this.toolDeps());
      const transport = new SessionTransport((message) => this.broadcast(message));
      await server.connect(transport);
      return { server, transport };
    })();
    return this.mcp;
  }
}
