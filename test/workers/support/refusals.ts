/**
 * The two shapes of an HTTP-level refusal: a JSON-RPC error on the JSON-RPC
 * routes (`/rpc`, `/messages`, `/mcp`), `{ error: { code, message } }` on the
 * others (`GET /sse`, `/health`, unknown paths).
 */
import { expect } from "vitest";

/** A refusal on a JSON-RPC route: the status, and a JSON-RPC error with id null, the code and `data.reason`. */
export async function expectJsonRpcRefusal(response: Response, status: number, reason: string, code = -32000): Promise<void> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  expect(response.headers.get("Content-Type")).toMatch(/^application\/json/);
  expect(JSON.parse(text)).toEqual({ jsonrpc: "2.0", id: null, error: { code, message: expect.any(String), data: { reason } } });
}

/** A refusal on a route that is not JSON-RPC: the status and `{ error: { code, message } }`. */
export async function expectJsonRefusal(response: Response, status: number, code: string): Promise<void> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  expect(JSON.parse(text)).toEqual({ error: { code, message: expect.any(String) } });
}
