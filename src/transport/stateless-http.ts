/**
 * MCP 2026-07-28 Streamable HTTP: stateless, one request per exchange, on
 * the SDK's `createMcpHandler` in its strict mode (`legacy: "reject"`).
 *
 * The SDK does the protocol work: `server/discover`, the `_meta` envelope
 * check (-32602), `Mcp-Method`/`Mcp-Name` against the body (-32020),
 * unsupported versions, 404 with -32601 for removed methods, `resultType`
 * and the cache fields on results, and a response that turns into an SSE
 * stream when a call sends progress before its result.
 *
 * What this module adds:
 * - `eraOf` tells the eras apart with the SDK's own predicate, so the 2025
 *   sessions keep their own transport beside this one on the same `/mcp`.
 * - U+0085, U+2028 and U+2029 in SSE frames are written as JSON escapes, as
 *   on every stream of this server (see `line-separators.ts`).
 *
 * agents' `createMcpHandler` (`agents/mcp/server`) wraps the same SDK entry,
 * adding a route, CORS and an Origin/Host policy of its own; the front Worker
 * already owns those (`ALLOWED_ORIGINS`, `PUBLIC_URL`, OAuth), and the 2025
 * era must reach the session objects, which only its `isLegacyRequest`
 * pattern allows. So this uses the SDK entry directly.
 * @module
 */
import { createMcpHandler, isLegacyRequest, type McpServerFactory } from "@modelcontextprotocol/server";
import { withEscapedLineSeparators } from "./line-separators";

/** The protocol era of a `/mcp` request: 2025 (sessions, initialize) or 2026 (stateless). */
export type McpEra = "2025" | "2026";

/**
 * The era of a `/mcp` request without a session id, from its parsed body
 * (undefined when the body is not JSON: the 2025 transport answers -32700).
 */
export async function eraOf(request: Request, parsedBody: unknown): Promise<McpEra> {
  if (parsedBody === undefined) return "2025";
  return (await isLegacyRequest(request, parsedBody)) ? "2025" : "2026";
}

/** The JSON-RPC method of a single-message body, if it has one. */
export function methodOf(parsedBody: unknown): string | undefined {
  if (typeof parsedBody !== "object" || parsedBody === null || Array.isArray(parsedBody)) return undefined;
  const method = "method" in parsedBody ? parsedBody.method : undefined;
  return typeof method === "string" ? method : undefined;
}

export interface StatelessHttp {
  /** Answers one 2026-era request; `parsedBody` when the caller has already read the body. */
  handle(request: Request, parsedBody?: unknown): Promise<Response>;
}

export function createStatelessHttp(factory: McpServerFactory, keepAliveMs: number): StatelessHttp {
  const handler = createMcpHandler(factory, { legacy: "reject", keepAliveMs });
  return {
    async handle(request, parsedBody) {
      const options = parsedBody === undefined ? undefined : { parsedBody };
      return withEscapedLineSeparators(await handler.fetch(request, options));
    }
  };
}
