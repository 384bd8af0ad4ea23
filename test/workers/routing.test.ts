import { describe, expect, it } from "vitest";
import { toSessionRequest } from "../../src/session/session-request";
import { authed, call, postJson, sessionStub } from "./support/http";
import { expectJsonRefusal, expectJsonRpcRefusal } from "./support/refusals";

const UNKNOWN_SESSION = "0123456789abcdef0123456789abcdef";

describe("routing", () => {
  it("answers an unknown path with a JSON 404", async () => {
    await expectJsonRefusal(await authed("/nope"), 404, "not_found");
  });

  it.each([
    ["POST", "/sse", "GET, OPTIONS"],
    ["DELETE", "/health", "GET, HEAD, OPTIONS"]
  ])("answers %s %s with 405, Allow and a JSON error", async (method, path, allow) => {
    const response = await call(path, { method });
    expect(response.headers.get("Allow")).toBe(allow);
    await expectJsonRefusal(response, 405, "method_not_allowed");
  });

  it.each([
    ["GET", "/rpc", "POST, OPTIONS"],
    ["GET", "/messages", "POST, OPTIONS"],
    ["PUT", "/mcp", "POST, GET, DELETE, OPTIONS"]
  ])("answers %s %s with 405, Allow and a JSON-RPC error", async (method, path, allow) => {
    const response = await call(path, { method });
    expect(response.headers.get("Allow")).toBe(allow);
    await expectJsonRpcRefusal(response, 405, "method_not_allowed");
  });

  it.each(["/health", "/nope"])("has a session's object answer %s, no session route, with a JSON 404", async (path) => {
    const sessionId = crypto.randomUUID();
    const request = toSessionRequest(new Request("https://example.com/"), { path, sessionId, mode: "ephemeral" });
    await expectJsonRefusal(await sessionStub(sessionId).fetch(request), 404, "not_found");
  });

  it("answers /messages without a sessionId with a JSON-RPC 400", async () => {
    await expectJsonRpcRefusal(await postJson("/messages", { jsonrpc: "2.0", id: 1, method: "ping" }), 400, "missing_session");
  });

  it.each([
    ["a well-formed id no session has", `/messages?sessionId=${UNKNOWN_SESSION}`],
    ["a malformed id", "/messages?sessionId=../../etc"]
  ])("answers /messages with %s with a JSON-RPC 404", async (_name, path) => {
    await expectJsonRpcRefusal(await postJson(path, { jsonrpc: "2.0", id: 1, method: "ping" }), 404, "unknown_session", -32001);
  });

  it("answers GET /sse naming an unknown session with a JSON 404", async () => {
    await expectJsonRefusal(await authed(`/sse?sessionId=${UNKNOWN_SESSION}`), 404, "unknown_session");
  });

  it.each(["/rpc", "/mcp"])("answers %s bound to an unknown session with a JSON-RPC 404", async (path) => {
    const response = await postJson(
      path,
      { jsonrpc: "2.0", id: 1, method: "ping" },
      { "Mcp-Session-Id": UNKNOWN_SESSION, Accept: "application/json, text/event-stream" }
    );
    await expectJsonRpcRefusal(response, 404, "unknown_session", -32001);
  });
});
