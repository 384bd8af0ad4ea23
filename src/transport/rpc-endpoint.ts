/**
 * `POST /rpc` and `POST /messages`: a JSON-RPC body (one message or a batch)
 * handed to a `SessionTransport`. `/rpc` answers in the HTTP body, as a
 * session's Durable Object and the front Worker's refusal check both answer
 * it; `/messages` answers 202 and replies on the session's SSE streams.
 * @module
 */
import { ProtocolErrorCode, type JSONRPCMessage, type JSONRPCResponse } from "@modelcontextprotocol/server";
import { parseJsonRpcBody, type IncomingItem } from "./jsonrpc";
import type { SessionTransport } from "./session-transport";

/**
 * The replies in the HTTP body: one reply, an array for a batch, 202 when
 * only notifications and responses came, 400 for a body that is no JSON-RPC.
 */
export async function answerRpcBody(text: string, transport: SessionTransport): Promise<Response> {
  const parsed = parseJsonRpcBody(text);
  if (parsed.kind === "unparseable") return Response.json(parsed.response, { status: 400 });
  const replies = (await Promise.all(parsed.items.map((item) => answerItem(transport, item)))).filter(
    (reply): reply is JSONRPCResponse => reply !== undefined
  );
  if (replies.length === 0) return new Response(null, { status: 202 });
  if (parsed.batch) return Response.json(replies);
  const [item] = parsed.items;
  const malformed = item?.kind === "rejected" && item.response.error.code === ProtocolErrorCode.InvalidRequest;
  return Response.json(replies[0], { status: malformed ? 400 : 200 });
}

function answerItem(transport: SessionTransport, item: IncomingItem): Promise<JSONRPCResponse> | undefined {
  if (item.kind === "rejected") return Promise.resolve(item.response);
  const { message } = item;
  if ("method" in message && "id" in message) return transport.request(message);
  transport.receiveFromRpc(message);
  return undefined;
}

/**
 * A legacy `/messages` body: its messages go to `transport`, which replies on
 * the streams; the errors that answer malformed items go to `broadcast`.
 * 202 once delivered, 400 for a body that is no JSON-RPC.
 */
export async function deliverMessagesBody(
  text: string,
  transport: () => Promise<SessionTransport>,
  broadcast: (message: JSONRPCMessage) => void
): Promise<Response> {
  const parsed = parseJsonRpcBody(text);
  if (parsed.kind === "unparseable") return Response.json(parsed.response, { status: 400 });
  const session = await transport();
  for (const item of parsed.items) {
    if (item.kind === "message") session.receiveFromStream(item.message);
    else broadcast(item.response);
  }
  return new Response(null, { status: 202 });
}
