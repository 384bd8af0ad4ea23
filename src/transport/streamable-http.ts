/**
 * MCP Streamable HTTP (`/mcp`) for one session, on the SDK's
 * `WebStandardStreamableHTTPServerTransport`.
 *
 * What this wrapper adds:
 * - It hands the initialize request to the host so the host can persist it.
 * - `restore()` replays a persisted initialize request into a fresh transport,
 *   so a session outlives a Durable Object restart instead of answering
 *   "Server not initialized".
 * - A request whose params do not fit its method is answered -32602 (as on
 *   `/rpc`), where the SDK would answer -32603 with a raw schema dump.
 * - A request whose reply is fixed (`immediateReply`: `tools/list`, `ping`)
 *   is answered at once as a JSON body, which the spec allows for any POST:
 *   no stream, so no event for `Last-Event-ID` to store, which would be a
 *   durable write the reply waits for. Anything unusual about the request
 *   (headers, params, a batch) leaves it to the SDK, and so to its refusals.
 * - A request whose id is already in use by a request still in flight on the
 *   session is refused (409, -32600): the SDK keys its reply routing by id,
 *   so the second would take over the first's reply and the first would
 *   never be answered.
 * - U+0085, U+2028 and U+2029 in the SDK's SSE frames (and in the immediate
 *   JSON replies) are written as JSON escapes, as on every stream of this
 *   server (see `line-separators.ts`).
 * @module
 */
import { JSONRPCRequestSchema } from "@modelcontextprotocol/core";
import {
  type EventStore,
  isJSONRPCErrorResponse,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  type JSONRPCRequest,
  type JSONRPCResponse,
  type McpServer,
  ProtocolErrorCode,
  type RequestId,
  type Server,
  SUPPORTED_PROTOCOL_VERSIONS,
  WebStandardStreamableHTTPServerTransport
} from "@modelcontextprotocol/server";
import { readBodyText } from "../http/body";
import { invalidParamsError, jsonRpcError, parseJsonText } from "./jsonrpc";
import { escapeLineSeparators, withEscapedLineSeparators } from "./line-separators";
import { methodOf } from "./stateless-http";

export interface StreamableHttpSessionOptions {
  sessionId: string;
  server: McpServer;
  /** Interval of `: keepalive` comments on open SSE streams. */
  keepAliveMs: number;
  /** Keeps sent events so clients can resume with `Last-Event-ID`. */
  eventStore: EventStore;
  /** Runs when a client's initialize request is accepted. */
  onInitialized(initializeRequest: JSONRPCRequest): void;
  /** Runs when the client ends the session with DELETE. */
  onDeleted(): Promise<void> | void;
  /** Runs when an SSE response stream of the session ends or its client goes away. */
  onStreamClosed(): void;
  /** The reply to a request that needs neither the session nor a stream, or undefined. */
  immediateReply(request: JSONRPCRequest): Promise<JSONRPCResponse> | undefined;
}

const MCP_ACCEPT = "application/json, text/event-stream";

export class StreamableHttpSession {
  private openStreams = 0;
  /** True once an initialize request succeeded (or was restored): the SDK dispatches nothing before. */
  private initialized = false;
  /** Ids of the requests the server has not answered yet. */
  private readonly inFlight = new Set<RequestId>();

  private constructor(
    private readonly transport: WebStandardStreamableHTTPServerTransport,
    private readonly options: StreamableHttpSessionOptions
  ) {
    const send = transport.send.bind(transport);
    transport.send = (message, sendOptions) => {
      const replied = isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message);
      // An error for a request whose id was unreadable has none, and was never in flight.
      if (replied && message.id !== undefined) this.inFlight.delete(message.id);
      return send(message, sendOptions);
    };
  }

  static async open(options: StreamableHttpSessionOptions): Promise<StreamableHttpSession> {
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => options.sessionId,
      keepAliveMs: options.keepAliveMs,
      eventStore: options.eventStore,
      onsessionclosed: () => options.onDeleted()
    });
    await options.server.connect(transport);
    refuseInvalidParams(transport);
    return new StreamableHttpSession(transport, options);
  }

  /** Re-runs a persisted initialize request; its reply is discarded. */
  async restore(initializeRequest: JSONRPCRequest): Promise<void> {
    const replay = new Request("https://session.internal/mcp", {
      method: "POST",
      headers: { Accept: MCP_ACCEPT, "Content-Type": "application/json" },
      body: JSON.stringify(initializeRequest)
    });
    const response = await this.transport.handleRequest(replay, { parsedBody: initializeRequest });
    await response.text();
    if (!response.ok) throw new Error(`Restoring the MCP session failed with HTTP ${response.status}`);
    this.initialized = true;
  }

  /** True while a client holds an SSE stream of the session open: activity, like an open `/sse` stream. */
  get hasOpenStreams(): boolean {
    return this.openStreams > 0;
  }

  /** Handles one `/mcp` request (POST, GET or DELETE). */
  async handle(request: Request): Promise<Response> {
    return this.tracked(withEscapedLineSeparators(await this.answer(request)));
  }

  private async answer(request: Request): Promise<Response> {
    if (request.method !== "POST") return this.transport.handleRequest(request);
    const text = await readBodyText(request);
    const parsedBody = parseJsonText(text);
    if (parsedBody === undefined) {
      // Let the SDK answer the unparseable body with its own -32700.
      return this.transport.handleRequest(new Request(request.url, { method: "POST", headers: request.headers, body: text }));
    }
    const ids = requestIdsOf(parsedBody);
    const taken = ids.find((id) => this.inFlight.has(id));
    if (taken !== undefined) return idInUse(taken);
    const immediate = await this.immediateReply(request, parsedBody);
    if (immediate) return immediate;
    for (const id of ids) this.inFlight.add(id);
    const response = await this.transport.handleRequest(request, { parsedBody });
    // A JSON reply (or a refusal before dispatch) is complete: nothing of it is still in flight.
    if (!response.headers.get("Content-Type")?.startsWith("text/event-stream")) {
      for (const id of ids) this.inFlight.delete(id);
    }
    const initialize = JSONRPCRequestSchema.safeParse(parsedBody);
    if (response.ok && initialize.success && initialize.data.method === "initialize") {
      this.initialized = true;
      this.options.onInitialized(initialize.data);
    }
    return response;
  }

  /** `immediateReply`'s answer as a JSON body, when the request is one the SDK would simply dispatch. */
  private async immediateReply(request: Request, parsedBody: unknown): Promise<Response | undefined> {
    // Only within an initialized session: anything else is the SDK's to refuse.
    const inSession = this.initialized && request.headers.get("Mcp-Session-Id") === this.options.sessionId;
    if (!inSession || !isJSONRPCRequest(parsedBody) || !isPlainPost(request.headers) || invalidParamsError(parsedBody)) {
      return undefined;
    }
    const reply = this.options.immediateReply(parsedBody);
    if (!reply) return undefined;
    return new Response(escapeLineSeparators(JSON.stringify(await reply)), {
      headers: { "Content-Type": "application/json", "Mcp-Session-Id": this.options.sessionId }
    });
  }

  async close(): Promise<void> {
    await this.transport.close();
  }

  /** Counts an SSE response as open until it ends or its reader cancels it (a client gone). */
  private tracked(response: Response): Response {
    const isStream = response.headers.get("Content-Type")?.startsWith("text/event-stream");
    if (!isStream || !response.body) return response;
    this.openStreams += 1;
    let open = true;
    const closed = () => {
      if (!open) return;
      open = false;
      this.openStreams -= 1;
      this.options.onStreamClosed();
    };
    const reader = response.body.getReader();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (done) {
            closed();
            controller.close();
          } else {
            controller.enqueue(value);
          }
        } catch (error) {
          closed();
          controller.error(error);
        }
      },
      cancel(reason) {
        closed();
        return reader.cancel(reason);
      }
    });
    return new Response(body, response);
  }
}

/**
 * A POST the SDK would dispatch without a refusal: JSON in, both reply forms
 * accepted, a protocol version it knows (or none, which means its default).
 */
function isPlainPost(headers: Headers): boolean {
  const accept = headers.get("Accept") ?? "";
  const version = headers.get("MCP-Protocol-Version");
  return (
    accept.includes("application/json") &&
    accept.includes("text/event-stream") &&
    (headers.get("Content-Type") ?? "").includes("application/json") &&
    (version === null || SUPPORTED_PROTOCOL_VERSIONS.includes(version))
  );
}

/** The ids of the requests (not notifications or responses) in a body of one message or a batch. */
function requestIdsOf(parsedBody: unknown): RequestId[] {
  const messages: unknown[] = Array.isArray(parsedBody) ? parsedBody : [parsedBody];
  return messages.filter((message) => isJSONRPCRequest(message)).map((message) => message.id);
}

function idInUse(id: RequestId): Response {
  const refusal = jsonRpcError(
    id,
    ProtocolErrorCode.InvalidRequest,
    `Invalid Request: id ${JSON.stringify(id)} is already in use by a request in flight on this session; send each request with an id of its own.`
  );
  return Response.json(refusal, { status: 409 });
}

/**
 * Answers requests with params of the wrong shape before they reach the
 * server: the reply goes out on the request's own stream, like any other.
 */
function refuseInvalidParams(transport: WebStandardStreamableHTTPServerTransport): void {
  const deliver = transport.onmessage;
  transport.onmessage = (message, extra) => {
    const refusal = isJSONRPCRequest(message) ? invalidParamsError(message) : undefined;
    if (!refusal || !isJSONRPCRequest(message)) {
      deliver?.(message, extra);
      return;
    }
    transport.send(refusal, { relatedRequestId: message.id }).catch((error: unknown) => {
      transport.onerror?.(error instanceof Error ? error : new Error(String(error)));
    });
  };
}

/**
 * A 2025-era `/mcp` request with no session id and no initialize request in
 * it, answered as a session's transport would before any initialize: the
 * SDK refuses it (400 "Server not initialized", or its checks of the method,
 * headers and body), and nothing of it needs a session.
 */
export async function answerBeforeSession(request: Request, parsedBody: unknown, server: Server): Promise<Response> {
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: () => crypto.randomUUID() });
  await server.connect(transport);
  try {
    return withEscapedLineSeparators(
      await transport.handleRequest(request, parsedBody === undefined ? undefined : { parsedBody })
    );
  } finally {
    await server.close();
  }
}

/** True when a 2025-era body holds an `initialize` request, the only request that opens a session. */
export function opensSession(parsedBody: unknown): boolean {
  const messages: unknown[] = Array.isArray(parsedBody) ? parsedBody : [parsedBody];
  return messages.some((message) => methodOf(message) === "initialize");
}
