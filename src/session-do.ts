/**
 * `SessionDO`: one Durable Object per MCP session.
 *
 * It holds the session's open SSE streams, runs the session's `McpServer`
 * (connected through `SessionTransport`), and pings the streams from its
 * alarm. The front Worker has already authenticated every request and named
 * the session (see `session-request.ts`).
 *
 * ## Lifecycle
 * A session exists once a `GET /sse` created it. Streams live until their
 * client leaves, which the object learns when a write fails or the body is
 * cancelled; the ping alarm re-arms only while a stream is open.
 * @module
 */
import { DurableObject } from "cloudflare:workers";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import {
  ErrorCode,
  type JSONRPCMessage,
  type JSONRPCResponse
} from "@modelcontextprotocol/sdk/types.js";
import { readConfig, type Config, type Env } from "./config";
import { jsonErrorResponse } from "./http/errors";
import { createMcpServer } from "./mcp-server";
import { readSessionRoute, type SessionRoute } from "./session-request";
import { SessionStore } from "./session-store";
import { parseJsonRpcBody, type IncomingItem } from "./transport/jsonrpc";
import { encodeSseComment, encodeSseEvent } from "./transport/sse";
import { SseStream } from "./transport/sse-stream";
import { SessionTransport } from "./transport/session-transport";
import { StreamableHttpSession } from "./transport/streamable-http";

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
  private readonly streams = new Set<SseStream>();
  private sessionId = "";
  private mcp?: Promise<SessionMcp>;
  private http?: Promise<StreamableHttpSession>;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.config = readConfig(env);
    this.store = new SessionStore(ctx.storage);
  }

  override async fetch(request: Request): Promise<Response> {
    const route = readSessionRoute(request);
    const refusal = this.enterSession(route);
    if (refusal) {
      // Drain the body so the runtime is not left pumping it after the reply.
      await request.arrayBuffer();
      return refusal;
    }
    switch (route.path) {
      case "/sse":
        return this.openStream();
      case "/messages":
        return this.postMessages(request);
      case "/rpc":
        return this.postRpc(request);
      case "/mcp":
        return (await this.streamableHttp()).handle(request);
      default:
        return jsonErrorResponse(404, "not_found", `No session route ${route.path}`);
    }
  }

  /** Sends a ping to every open stream; keeps pinging while any is left. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    const ping = encodeSseEvent({ event: "ping", data: String(now) });
    for (const stream of [...this.streams]) stream.write(ping);
    if (this.streams.size > 0) {
      await this.ctx.storage.setAlarm(now + this.config.pingIntervalMs);
    }
  }

  private enterSession(route: SessionRoute): Response | undefined {
    if (route.mode === "create") {
      this.store.create(route.sessionId);
    } else if (route.mode === "attach" && !this.store.exists()) {
      return jsonErrorResponse(
        404,
        "unknown_session",
        "Unknown or expired session. Open a new one with GET /sse."
      );
    }
    this.sessionId = route.sessionId;
    return undefined;
  }

  private async openStream(): Promise<Response> {
    const stream = new SseStream();
    stream.onclose = () => this.streams.delete(stream);
    stream.write(encodeSseEvent({ event: "ready", data: JSON.stringify("ok") }));
    stream.write(encodeSseComment("keep-alive"));
    stream.write(
      encodeSseEvent({ event: "endpoint", data: `/messages?sessionId=${this.sessionId}` })
    );
    this.streams.add(stream);
    if ((await this.ctx.storage.getAlarm()) === null) {
      await this.ctx.storage.setAlarm(Date.now() + this.config.pingIntervalMs);
    }
    return new Response(stream.body, {
      headers: { ...SSE_HEADERS, "Mcp-Session-Id": this.sessionId }
    });
  }

  private async postMessages(request: Request): Promise<Response> {
    const parsed = parseJsonRpcBody(await request.text());
    if (parsed.kind === "unparseable") return Response.json(parsed.response, { status: 400 });
    const { transport } = await this.connectMcp();
    for (const item of parsed.items) {
      if (item.kind === "message") transport.receiveFromStream(item.message);
      else this.broadcast(item.response);
    }
    return new Response(null, { status: 202 });
  }

  private async postRpc(request: Request): Promise<Response> {
    const parsed = parseJsonRpcBody(await request.text());
    if (parsed.kind === "unparseable") return Response.json(parsed.response, { status: 400 });
    const { transport } = await this.connectMcp();
    const replies = (
      await Promise.all(parsed.items.map((item) => this.answerRpc(transport, item)))
    ).filter((reply): reply is JSONRPCResponse => reply !== undefined);
    if (replies.length === 0) return new Response(null, { status: 202 });
    if (parsed.batch) return Response.json(replies);
    const [item] = parsed.items;
    const malformed = item?.kind === "rejected" && item.response.error.code === ErrorCode.InvalidRequest;
    return Response.json(replies[0], { status: malformed ? 400 : 200 });
  }

  private answerRpc(
    transport: SessionTransport,
    item: IncomingItem
  ): Promise<JSONRPCResponse> | undefined {
    if (item.kind === "rejected") return Promise.resolve(item.response);
    const { message } = item;
    if ("method" in message && "id" in message) return transport.request(message);
    transport.receiveFromRpc(message);
    return undefined;
  }

  /** Writes one message to every open stream, with a session-unique event id. */
  private broadcast(message: JSONRPCMessage): void {
    if (this.streams.size === 0) return;
    const frame = encodeSseEvent({
      event: "message",
      id: `${this.sessionId}-${this.store.nextEventSeq()}`,
      data: JSON.stringify(message)
    });
    for (const stream of [...this.streams]) stream.write(frame);
  }

  /** The session's Streamable HTTP endpoint, restored from storage after a restart. */
  private streamableHttp(): Promise<StreamableHttpSession> {
    this.http ??= (async () => {
      const session = await StreamableHttpSession.open({
        sessionId: this.sessionId,
        server: createMcpServer({ gemini: this.config.gemini }),
        keepAliveMs: this.config.pingIntervalMs,
        onInitialized: (initializeRequest) => {
          this.store.create(this.sessionId);
          this.store.saveInitializeRequest(initializeRequest);
        },
        onDeleted: () => this.endSession()
      });
      const stored = this.store.initializeRequest();
      if (stored) await session.restore(stored);
      return session;
    })();
    return this.http;
  }

  /** Ends the session for good: streams closed, storage and alarm deleted. */
  private async endSession(): Promise<void> {
    for (const stream of [...this.streams]) stream.close();
    const [mcp, http] = [this.mcp, this.http];
    this.mcp = undefined;
    this.http = undefined;
    await this.store.destroy();
    await (await mcp)?.server.close();
    await (await http)?.close();
  }

  private connectMcp(): Promise<SessionMcp> {
    this.mcp ??= (async () => {
      const server = createMcpServer({ gemini: this.config.gemini });
      const transport = new SessionTransport((message) => this.broadcast(message));
      await server.connect(transport);
      return { server, transport };
    })();
    return this.mcp;
  }
}
