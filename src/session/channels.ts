/**
 * A session's channels to its MCP servers: the legacy SSE channel (`/sse`
 * streams, and `/messages` through the seed `SessionTransport`), `/rpc`,
 * the 2025-era Streamable HTTP session on `/mcp` (restored from storage
 * after a restart), and the 2026-era session-less `/mcp` requests. Each
 * server is made on first use over the session's tools. Streams live until
 * their client leaves, which the object learns when a write fails; pings
 * re-arm only while a stream is open.
 * @module
 */
import type { McpServer } from "@modelcontextprotocol/server";
import type { Config } from "../config";
import { readBodyText } from "../http/body";
import { createMcpServer, createTaskServer } from "../mcp-server";
import { statelessReply } from "../stateless-rpc";
import { TaskStore } from "../tasks/task-store";
import { isTaskMethod, runsAsTask } from "../tasks/task-routing";
import type { ToolDeps } from "../tools";
import { SqliteEventStore } from "../transport/event-store";
import { parseJsonText } from "../transport/jsonrpc";
import { LegacySseChannel, type PingTimer } from "../transport/legacy-sse";
import { answerRpcBody, deliverMessagesBody } from "../transport/rpc-endpoint";
import { SessionTransport } from "../transport/session-transport";
import { createStatelessHttp, type StatelessHttp } from "../transport/stateless-http";
import { StreamableHttpSession } from "../transport/streamable-http";
import type { SessionMode } from "./session-request";
import { EVENT_LOG_LIMIT, type SessionStore } from "./session-store";

export interface SessionChannelsOptions {
  sessionId(): string;
  config: Pick<Config, "pingIntervalMs" | "sessionTtlMs">;
  store: SessionStore;
  sql: SqlStorage;
  timer: PingTimer;
  /** What the servers' tools run on (made per server: its job service reads the current session id). */
  toolDeps(): ToolDeps;
  /** The client deleted the `/mcp` session. */
  onDeleted(): Promise<void>;
}

interface SessionMcp {
  server: McpServer;
  transport: SessionTransport;
}

export class SessionChannels {
  private readonly sse: LegacySseChannel;
  private mcp: Promise<SessionMcp> | undefined;
  private http: Promise<StreamableHttpSession> | undefined;
  private stateless: StatelessHttp | undefined;
  private taskEndpoint: StatelessHttp | undefined;

  constructor(private readonly options: SessionChannelsOptions) {
    this.sse = new LegacySseChannel({
      sessionId: options.sessionId,
      log: options.store,
      timer: options.timer,
      pingIntervalMs: options.config.pingIntervalMs,
      eventLogLimit: EVENT_LOG_LIMIT
    });
  }

  /** Open SSE streams, of either era (`/mcp` streams set no ping deadline). */
  async hasOpenStreams(): Promise<boolean> {
    return this.sse.hasOpenStreams || (await this.http)?.hasOpenStreams === true;
  }

  openSse(request: Request): Promise<Response> {
    return this.sse.open(request.headers.get("Last-Event-ID"));
  }

  ping(): Promise<void> {
    return this.sse.ping();
  }

  async postMessages(request: Request): Promise<Response> {
    const text = await readBodyText(request);
    return deliverMessagesBody(
      text,
      async () => (await this.connectMcp()).transport,
      (message) => this.sse.broadcast(message)
    );
  }

  /**
   * `/rpc` bound to the session goes through the session's server, so its
   * progress reaches the session's streams; a session-less call gets a server
   * of its own, whose progress goes nowhere (it has no stream), whichever
   * session's object it runs in.
   */
  async postRpc(request: Request, mode: SessionMode): Promise<Response> {
    const text = await readBodyText(request);
    if (mode !== "ephemeral") return answerRpcBody(text, (await this.connectMcp()).transport);
    const server = createMcpServer(this.options.toolDeps());
    const transport = new SessionTransport(() => {});
    await server.connect(transport);
    try {
      return await answerRpcBody(text, transport);
    } finally {
      await server.close();
    }
  }

  /** `/mcp`: the session's Streamable HTTP endpoint, or a 2026-era request without a session. */
  async mcpRequest(request: Request, mode: SessionMode): Promise<Response> {
    if (mode === "ephemeral") return this.modernMcp(request);
    return (await this.streamableHttp()).handle(request);
  }

  /**
   * The session ends: its SSE streams close and its servers are let go, to
   * be closed by the function returned, once the session's storage is gone.
   */
  detach(): () => Promise<void> {
    this.sse.closeAll();
    const [mcp, http] = [this.mcp, this.http];
    this.mcp = undefined;
    this.http = undefined;
    return async () => {
      await (await mcp)?.server.close();
      await (await http)?.close();
    };
  }

  private connectMcp(): Promise<SessionMcp> {
    this.mcp ??= (async () => {
      const server = createMcpServer(this.options.toolDeps());
      const transport = new SessionTransport((message) => this.sse.broadcast(message));
      await server.connect(transport);
      return { server, transport };
    })();
    return this.mcp;
  }

  /** The session's Streamable HTTP endpoint, restored from storage after a restart. */
  private streamableHttp(): Promise<StreamableHttpSession> {
    this.http ??= (async () => {
      const { sessionId, store } = this.options;
      const session = await StreamableHttpSession.open({
        sessionId: sessionId(),
        server: createMcpServer(this.options.toolDeps()),
        keepAliveMs: this.options.config.pingIntervalMs,
        eventStore: new SqliteEventStore(this.options.sql, sessionId()),
        onInitialized: (initializeRequest) => {
          store.create(sessionId());
          store.saveInitializeRequest(initializeRequest);
        },
        onDeleted: () => this.options.onDeleted(),
        onStreamClosed: () => {
          if (store.exists()) store.touch();
        },
        immediateReply: statelessReply
      });
      const stored = store.initializeRequest();
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
    this.stateless ??= createStatelessHttp(() => createMcpServer(this.options.toolDeps()), this.options.config.pingIntervalMs);
    return this.stateless;
  }

  /** Task answers are single JSON bodies: nothing to keep alive. Tasks live as long as an idle session (SESSION_TTL_SECONDS), so the object outlives them. */
  private taskHttp(): StatelessHttp {
    this.taskEndpoint ??= createStatelessHttp(
      () =>
        createTaskServer({
          tools: this.options.toolDeps(),
          store: new TaskStore(this.options.sql),
          ttlMs: this.options.config.sessionTtlMs
        }),
      0
    );
    return this.taskEndpoint;
  }
}
