/**
 * A lean MCP client for load measurements: JSON-RPC over keep-alive
 * `node:http` connections, for `/rpc` (one POST, JSON reply) and for
 * Streamable HTTP (`initialize`, `notifications/initialized`, then requests
 * with `Mcp-Session-Id`; replies as JSON or as an SSE stream). Lighter than
 * the SDK client, so the client's own cost stays small next to the server's,
 * and the same for every server measured.
 */
import { Agent, request, type IncomingHttpHeaders } from "node:http";
import { LATEST_PROTOCOL_VERSION } from "@modelcontextprotocol/sdk/types.js";
import { createParser } from "eventsource-parser";

/** No single request may take longer; loops stay bounded even if a server hangs. */
const REQUEST_TIMEOUT_MS = 30_000;
const MCP_ACCEPT = "application/json, text/event-stream";

export interface HttpReply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A keep-alive agent with room for `sockets` connections to one server. */
export function keepAliveAgent(sockets: number): Agent {
  return new Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
}

export function httpRequest(
  agent: Agent,
  url: string,
  init: { method: string; headers?: Record<string, string>; body?: string }
): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const body = init.body === undefined ? undefined : Buffer.from(init.body);
    const outgoing = request(
      url,
      {
        agent,
        method: init.method,
        headers: { ...init.headers, ...(body ? { "Content-Length": String(body.byteLength) } : {}) },
        timeout: REQUEST_TIMEOUT_MS
      },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
        incoming.on("end", () =>
          resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, body: Buffer.concat(chunks).toString() })
        );
        incoming.on("error", reject);
      }
    );
    outgoing.on("timeout", () => outgoing.destroy(new Error(`${init.method} ${url} took over ${REQUEST_TIMEOUT_MS} ms`)));
    outgoing.on("error", reject);
    outgoing.end(body);
  });
}

interface JsonRpcReply {
  id?: unknown;
  result?: Record<string, unknown>;
  error?: { code: number; message: string };
}

/** The JSON-RPC reply with `id` in a JSON body or in an SSE body's `data:` fields. */
export function readJsonRpcReply(reply: HttpReply, id: number): JsonRpcReply {
  if (reply.status !== 200) throw new Error(`HTTP ${reply.status}: ${reply.body.slice(0, 300)}`);
  const messages: JsonRpcReply[] = [];
  if (String(reply.headers["content-type"]).startsWith("text/event-stream")) {
    // Skip data-less events (the SDK primes resumable streams with one).
    const parser = createParser({
      onEvent: (event) => {
        if (event.data) messages.push(JSON.parse(event.data) as JsonRpcReply);
      }
    });
    parser.feed(reply.body);
  } else {
    messages.push(JSON.parse(reply.body) as JsonRpcReply);
  }
  const found = messages.find((message) => message.id === id);
  if (!found) throw new Error(`No reply with id ${id} in: ${reply.body.slice(0, 300)}`);
  if (found.error) throw new Error(`JSON-RPC error ${found.error.code}: ${found.error.message}`);
  return found;
}

/** Throws unless `reply` is a `tools/list` result with at least one tool; returns the count. */
export function expectTools(reply: JsonRpcReply): number {
  const tools = reply.result?.tools;
  if (!Array.isArray(tools) || tools.length === 0)
    throw new Error(`Not a tools/list result: ${JSON.stringify(reply).slice(0, 300)}`);
  return tools.length;
}

/** `tools/list` on `/rpc`: one POST, no session (or the given one). */
export function rpcToolsList(agent: Agent, baseUrl: string, secret: string, sessionId?: string): () => Promise<number> {
  let nextId = 1;
  const headers: Record<string, string> = {
    Authorization: `Bearer ${secret}`,
    "Content-Type": "application/json",
    ...(sessionId ? { "Mcp-Session-Id": sessionId } : {})
  };
  return async () => {
    const id = nextId++;
    const reply = await httpRequest(agent, `${baseUrl}/rpc`, {
      method: "POST",
      headers,
      body: JSON.stringify({ jsonrpc: "2.0", id, method: "tools/list" })
    });
    return expectTools(readJsonRpcReply(reply, id));
  };
}

/** The 2026-07-28 revision: stateless requests carrying their version and capabilities in `_meta`. */
const MODERN_VERSION = "2026-07-28";

/** `tools/list` on `/mcp` in the 2026-07-28 era: one POST, no session, the `_meta` envelope and `Mcp-Method`. */
export function modernToolsList(agent: Agent, mcpUrl: string, secret: string): () => Promise<number> {
  let nextId = 1;
  const headers: Record<string, string> = {
    Authorization: `Bearer ${secret}`,
    Accept: MCP_ACCEPT,
    "Content-Type": "application/json",
    "MCP-Protocol-Version": MODERN_VERSION,
    "Mcp-Method": "tools/list"
  };
  const _meta = {
    "io.modelcontextprotocol/protocolVersion": MODERN_VERSION,
    "io.modelcontextprotocol/clientCapabilities": {},
    "io.modelcontextprotocol/clientInfo": { name: "bench", version: "1.0.0" }
  };
  return async () => {
    const id = nextId++;
    const reply = await httpRequest(agent, mcpUrl, {
      method: "POST",
      headers,
      body: JSON.stringify({ jsonrpc: "2.0", id, method: "tools/list", params: { _meta } })
    });
    return expectTools(readJsonRpcReply(reply, id));
  };
}

export interface McpSession {
  sessionId: string;
  /** `tools/list` in this session; resolves with the number of tools. */
  toolsList(): Promise<number>;
  /** Ends the session (DELETE). */
  close(): Promise<void>;
}

/** Opens a Streamable HTTP session at `mcpUrl`: initialize, then notifications/initialized. */
export async function openMcpSession(
  agent: Agent,
  mcpUrl: string,
  extraHeaders: Record<string, string> = {}
): Promise<McpSession> {
  const base = { ...extraHeaders, Accept: MCP_ACCEPT, "Content-Type": "application/json" };
  const initialize = await httpRequest(agent, mcpUrl, {
    method: "POST",
    headers: base,
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: "bench", version: "1.0.0" } }
    })
  });
  const result = readJsonRpcReply(initialize, 0).result as { protocolVersion: string };
  const sessionId = initialize.headers["mcp-session-id"];
  if (typeof sessionId !== "string") throw new Error("initialize answered without Mcp-Session-Id");
  const headers = { ...base, "Mcp-Session-Id": sessionId, "Mcp-Protocol-Version": result.protocolVersion };
  const initialized = await httpRequest(agent, mcpUrl, {
    method: "POST",
    headers,
    body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" })
  });
  if (initialized.status !== 202) throw new Error(`notifications/initialized answered HTTP ${initialized.status}`);
  let nextId = 1;
  return {
    sessionId,
    async toolsList() {
      const id = nextId++;
      const reply = await httpRequest(agent, mcpUrl, {
        method: "POST",
        headers,
        body: JSON.stringify({ jsonrpc: "2.0", id, method: "tools/list" })
      });
      return expectTools(readJsonRpcReply(reply, id));
    },
    async close() {
      await httpRequest(agent, mcpUrl, { method: "DELETE", headers });
    }
  };
}
