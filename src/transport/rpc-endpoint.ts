/**
 * `POST /rpc`: a JSON-RPC body (one message or a batch) answered through a
 * `SessionTransport`, as a session's Durable Object and the front Worker's
 * refusal check both answer it.
 * @module
 */
import { ProtocolErrorCode, type JSONRPCResponse } from "@modelcontextprotocol/server";
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
