/**
 * The SDK `Transport` that joins one `McpServer` to a session's two seed
 * channels: the SSE stream (requests over `POST /messages`, replies as
 * `event: message`) and `POST /rpc` (reply in the HTTP body).
 *
 * What it adds over a plain transport:
 * - Request ids are rewritten to internal ones on the way in and restored on
 *   the way out, so concurrent callers that reuse ids (curl sending `id: 1`
 *   twice, or `/rpc` and `/messages` at once) never collide in the server.
 * - `notifications/cancelled` names the caller's id; it is mapped to the
 *   internal id of that caller's request.
 * - Replies to `/rpc` resolve that HTTP call; everything else the server sends
 *   (progress, logs, replies to `/messages`) goes to the session's streams.
 * @module
 */
import { CancelledNotificationSchema } from "@modelcontextprotocol/core";
import type {
  Transport,
  JSONRPCMessage,
  JSONRPCNotification,
  JSONRPCRequest,
  JSONRPCResponse,
  RequestId
} from "@modelcontextprotocol/server";
import { jsonRpcError } from "./jsonrpc";

/** The code LSP uses for a cancelled request; JSON-RPC and MCP define none. */
export const REQUEST_CANCELLED = -32800;

/** The code the 2025-era SDK gave a request its closed connection left unanswered. */
const CONNECTION_CLOSED = -32000;

/** Which seed channel a message came in on. */
export type Channel = "stream" | "rpc";

interface PendingRequest {
  channel: Channel;
  callerId: RequestId;
  reply: (response: JSONRPCResponse) => void;
}

function isResponse(message: JSONRPCMessage): message is JSONRPCResponse {
  return "id" in message && !("method" in message);
}

export class SessionTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private started = false;
  private nextInternalId = 1;
  private readonly pending = new Map<string, PendingRequest>();
  /** `${channel} ${JSON.stringify(callerId)}` to the internal id, for cancellation. */
  private readonly internalIdByCaller = new Map<string, string>();

  /** @param toStreams writes a message to every open stream of the session */
  constructor(private readonly toStreams: (message: JSONRPCMessage) => void) {}

  async start(): Promise<void> {
    if (this.started) throw new Error("Transport already started");
    this.started = true;
  }

  async close(): Promise<void> {
    for (const [internalId, request] of this.pending) {
      request.reply(jsonRpcError(request.callerId, CONNECTION_CLOSED, "The session closed"));
      this.pending.delete(internalId);
    }
    this.internalIdByCaller.clear();
    this.onclose?.();
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (isResponse(message)) {
      const internalId = String(message.id);
      const request = this.pending.get(internalId);
      if (request) {
        this.forget(internalId, request);
        request.reply({ ...message, id: request.callerId });
        return;
      }
    }
    this.toStreams(message);
  }

  /** Delivers a message from `POST /messages`; a reply goes to the streams. */
  receiveFromStream(message: JSONRPCMessage): void {
    this.deliver("stream", message, (response) => this.toStreams(response));
  }

  /** Delivers one `/rpc` request and resolves with its reply. */
  request(message: JSONRPCRequest): Promise<JSONRPCResponse> {
    return new Promise((resolve) => this.deliver("rpc", message, resolve));
  }

  /** Delivers an `/rpc` notification or a response to a server request. */
  receiveFromRpc(message: JSONRPCNotification | JSONRPCResponse): void {
    this.deliver("rpc", message, () => {});
  }

  private deliver(channel: Channel, message: JSONRPCMessage, reply: (response: JSONRPCResponse) => void): void {
    if ("method" in message && "id" in message) {
      const internalId = `${channel}-${this.nextInternalId++}`;
      this.pending.set(internalId, { channel, callerId: message.id, reply });
      this.internalIdByCaller.set(callerKey(channel, message.id), internalId);
      // SAFETY: `message` is the notification the schema just parsed; only its requestId changes.
      this.onmessage?.({ ...message, id: internalId });
      return;
    }
    const cancelled = CancelledNotificationSchema.safeParse(message);
    if (cancelled.success) {
      const { requestId } = cancelled.data.params;
      const internalId = requestId === undefined ? undefined : this.internalIdByCaller.get(callerKey(channel, requestId));
      if (internalId === undefined) return;
      // SAFETY: `message` is the notification the schema just parsed; only its requestId changes.
      this.onmessage?.({
        ...message,
        params: { ...cancelled.data.params, requestId: internalId }
      } as JSONRPCNotification);
      this.settleCancelled(internalId);
      return;
    }
    this.onmessage?.(message);
  }

  /**
   * The server sends nothing for a cancelled request (as the spec says), but
   * an `/rpc` caller is still waiting on its HTTP response: answer it here.
   */
  private settleCancelled(internalId: string): void {
    const request = this.pending.get(internalId);
    if (!request) return;
    this.forget(internalId, request);
    if (request.channel === "rpc") {
      request.reply(jsonRpcError(request.callerId, REQUEST_CANCELLED, "Request cancelled"));
    }
  }

  private forget(internalId: string, request: PendingRequest): void {
    this.pending.delete(internalId);
    const key = callerKey(request.channel, request.callerId);
    if (this.internalIdByCaller.get(key) === internalId) this.internalIdByCaller.delete(key);
  }
}

function callerKey(channel: Channel, callerId: RequestId): string {
  return `${channel} ${JSON.stringify(callerId)}`;
}
