/**
 * Session-less `POST /rpc` calls that need no session, `tools/list` and
 * `ping`, answered in the front Worker; and the same for 2026-era `/mcp`
 * requests other than `tools/call` (`server/discover`, `tools/list`, and
 * the refusals the protocol asks for), answered by the tool directory.
 *
 * Why: without a session, `/rpc` otherwise goes to a fresh Durable Object
 * named by a new random id, so every `tools/list` paid for a new object and
 * its SQLite database (locally a new database file, about 10 ms; in
 * production a cold object). Both methods read nothing but the tool list,
 * so the answer is the same wherever it is computed. Everything else, and
 * any batch, still goes to a Durable Object.
 * @module
 */
import type { JSONRPCRequest, JSONRPCResponse } from "@modelcontextprotocol/server";
import { createToolDirectory, listTools } from "./mcp-server";
import { parseJsonRpcBody } from "./transport/jsonrpc";
import { memoizeReplies } from "./transport/reply-memo";
import { createStatelessHttp } from "./transport/stateless-http";
import { answerBeforeSession } from "./transport/streamable-http";

/** Methods whose answer depends on no session and changes no state. */
const STATELESS_METHODS = new Set(["tools/list", "ping"]);

/** The one request in `text`, when it is a single request for a stateless method. */
export function statelessRequest(text: string): JSONRPCRequest | undefined {
  const parsed = parseJsonRpcBody(text);
  if (parsed.kind !== "parsed" || parsed.batch) return undefined;
  const [item] = parsed.items;
  if (item?.kind !== "message") return undefined;
  const { message } = item;
  return "method" in message && "id" in message && STATELESS_METHODS.has(message.method) ? message : undefined;
}

/**
 * The reply to a request for a stateless method, as the session's server
 * would give it; undefined for any other method.
 */
export function statelessReply(message: JSONRPCRequest): Promise<JSONRPCResponse> | undefined {
  if (!STATELESS_METHODS.has(message.method)) return undefined;
  return (async () => {
    const result = message.method === "tools/list" ? await listTools() : {};
    return { jsonrpc: "2.0", id: message.id, result };
  })();
}

/** Answers a request `statelessRequest` accepted, as the Durable Object would. */
export async function answerStateless(message: JSONRPCRequest): Promise<Response> {
  return Response.json(await statelessReply(message));
}

/**
 * Directory answers are single JSON bodies (nothing to keep alive) that
 * depend on the request alone, so repeated ones are answered from memory.
 */
const directory = memoizeReplies(createStatelessHttp(() => createToolDirectory(), 0));

/** Answers a 2026-era `/mcp` request that runs no tool, without any Durable Object. */
export function answerFromDirectory(request: Request, parsedBody: unknown): Promise<Response> {
  return directory.handle(request, parsedBody);
}

/** Answers a 2025-era `/mcp` request that opens no session (see `answerBeforeSession`), without any Durable Object. */
export function answerWithoutSession(request: Request, parsedBody: unknown): Promise<Response> {
  return answerBeforeSession(request, parsedBody, createToolDirectory());
}
