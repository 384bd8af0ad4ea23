/**
 * Turns an HTTP body into JSON-RPC messages, or into the JSON-RPC errors a
 * client must get back for it (-32700, -32600, -32602). Method dispatch is the
 * SDK's; this only checks shapes, with the SDK's own schemas.
 * @module
 */
import type { JSONRPCErrorResponse, JSONRPCMessage, JSONRPCRequest, RequestId } from "@modelcontextprotocol/server";
import { ClientRequestSchema, JSONRPCMessageSchema } from "@modelcontextprotocol/core";
import { ProtocolErrorCode } from "@modelcontextprotocol/server";

/** One element of a body: a message to deliver, or the error that answers it. */
export type IncomingItem = { kind: "message"; message: JSONRPCMessage } | { kind: "rejected"; response: JSONRPCErrorResponse };

export type ParsedBody =
  | { kind: "parsed"; batch: boolean; items: IncomingItem[] }
  | { kind: "unparseable"; response: JSONRPCErrorResponse };

type RequestSchema = (typeof ClientRequestSchema.options)[number];

const paramSchemaByMethod = new Map<string, RequestSchema>(
  ClientRequestSchema.options.map((schema) => [schema.shape.method.value, schema])
);

/** Builds a JSON-RPC error response; `id` is null when the request's id is unknown. */
export function jsonRpcError(id: RequestId | null, code: number, message: string): JSONRPCErrorResponse {
  // SAFETY: the SDK types the id as a RequestId; JSON-RPC 2.0 requires null when the request's id is unknown.
  return { jsonrpc: "2.0", id: id as RequestId, error: { code, message } };
}

function requestIdOf(value: unknown): RequestId | null {
  if (typeof value !== "object" || value === null || !("id" in value)) return null;
  const { id } = value;
  return typeof id === "string" || (typeof id === "number" && Number.isInteger(id)) ? id : null;
}

function describeIssues(issues: readonly { path: PropertyKey[]; message: string }[]): string {
  return issues
    .map((issue) => (issue.path.length > 0 ? `${issue.path.map(String).join(".")}: ${issue.message}` : issue.message))
    .join("; ");
}

/**
 * The -32602 error for a request to a known method whose params do not fit
 * it; undefined when they do (or the method is unknown: the server answers
 * -32601). The SDK would otherwise answer -32603 with a raw schema dump.
 */
export function invalidParamsError(request: JSONRPCRequest): JSONRPCErrorResponse | undefined {
  const schema = paramSchemaByMethod.get(request.method);
  const check = schema?.safeParse({ method: request.method, params: request.params });
  if (!check || check.success) return undefined;
  return jsonRpcError(
    request.id,
    ProtocolErrorCode.InvalidParams,
    `Invalid params for ${request.method}: ${describeIssues(check.error.issues)}`
  );
}

function classify(value: unknown): IncomingItem {
  const parsed = JSONRPCMessageSchema.safeParse(value);
  if (!parsed.success) {
    return {
      kind: "rejected",
      response: jsonRpcError(
        requestIdOf(value),
        ProtocolErrorCode.InvalidRequest,
        'Invalid Request: expected a JSON-RPC 2.0 request {"jsonrpc": "2.0", "id", "method", "params"?}, a notification or a response'
      )
    };
  }
  const message = parsed.data;
  const invalidParams = "method" in message && "id" in message ? invalidParamsError(message) : undefined;
  return invalidParams ? { kind: "rejected", response: invalidParams } : { kind: "message", message };
}

/** The most messages one batch may hold; each may start an analysis. */
export const MAX_BATCH_SIZE = 32;

export const BATCH_TOO_LARGE = `Invalid Request: a batch may hold at most ${MAX_BATCH_SIZE} messages`;

/** The JSON value of `text`; undefined when it is no JSON (which `JSON.parse` never returns otherwise). */
export function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Parses a request body that holds one JSON-RPC message or a batch of them. */
export function parseJsonRpcBody(text: string): ParsedBody {
  const value = parseJsonText(text);
  if (value === undefined) {
    return {
      kind: "unparseable",
      response: jsonRpcError(null, ProtocolErrorCode.ParseError, "Parse error: the body is not valid JSON")
    };
  }
  if (!Array.isArray(value)) return { kind: "parsed", batch: false, items: [classify(value)] };
  if (value.length === 0) {
    return {
      kind: "unparseable",
      response: jsonRpcError(null, ProtocolErrorCode.InvalidRequest, "Invalid Request: empty batch")
    };
  }
  if (value.length > MAX_BATCH_SIZE) {
    return { kind: "unparseable", response: jsonRpcError(null, ProtocolErrorCode.InvalidRequest, BATCH_TOO_LARGE) };
  }
  return { kind: "parsed", batch: true, items: value.map(classify) };
}
