/**
 * Session-less `POST /rpc` calls that need no session, `tools/list` and
 * `ping`, answered in the front Worker by one `McpServer` per isolate.
 *
 * Why: without a session, `/rpc` otherwise goes to a fresh Durable Object
 * named by a new random id, so every `tools/list` paid for a new object and
 * its SQLite database (locally a new database file, about 10 ms; in
 * production a cold object). Both methods read nothing but the tool list,
 * so the answer is the same wherever it is computed. Everything else, and
 * any batch, still goes to a Durable Object.
 * @module
 */
import type { JSONRPCRequest, JSONRPCResponse } from "@modelcontextprotocol/sdk/types.js";
import { createMcpServer } from "./mcp-server";
import type { JobService } from "./tools";
import { parseJsonRpcBody } from "./transport/jsonrpc";
import { SessionTransport } from "./transport/session-transport";

/** Methods whose answer depends on no session and changes no state. */
const STATELESS_METHODS = new Set(["tools/list", "ping"]);

function noJobs(): never {
  throw new Error("Stateless /rpc requests have no jobs");
}

/** Never called: no stateless method runs a tool. */
const NO_JOBS: JobService = { start: noJobs, get: noJobs, list: noJobs, watch: noJobs, wait: noJobs, cancel: noJobs };

/** The one request in `text`, when it is a single request for a stateless method. */
export function statelessRequest(text: string): JSONRPCRequest | undefined {
  const parsed = parseJsonRpcBody(text);
  if (parsed.kind !== "parsed" || parsed.batch) return undefined;
  const [item] = parsed.items;
  if (item?.kind !== "message") return undefined;
  const { message } = item;
  return "method" in message && "id" in message && STATELESS_METHODS.has(message.method) ? message : undefined;
}

let transport: Promise<SessionTransport> | undefined;
let toolList: Promise<JSONRPCResponse> | undefined;

/** Answers a request `statelessRequest` accepted, as the Durable Object would. */
export async function answerStateless(message: JSONRPCRequest): Promise<Response> {
  transport ??= (async () => {
    // The transport gives each request an internal id, so concurrent callers never collide.
    const sessionTransport = new SessionTransport(() => {});
    await createMcpServer({ jobs: NO_JOBS, defaultModel: "" }).connect(sessionTransport);
    return sessionTransport;
  })();
  if (message.method === "tools/list" && message.params?.cursor === undefined) {
    // The list never changes while the code runs; the SDK rebuilds every tool's JSON Schema per call (about 3 ms).
    toolList ??= (await transport).request(message).then((reply) => {
      if (!("result" in reply)) toolList = undefined;
      return reply;
    });
    const listed = await toolList;
    return Response.json({ ...listed, id: message.id });
  }
  const reply: JSONRPCResponse = await (await transport).request(message);
  return Response.json(reply);
}
