import { describe, expect, it } from "vitest";
import { authed, call, postJson } from "./support/http";

describe("routing", () => {
  it("answers an unknown path with a JSON 404", async () => {
    const response = await authed("/nope");
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: "not_found" } });
  });

  it.each([
    ["POST", "/sse", "GET, OPTIONS"],
    ["GET", "/rpc", "POST, OPTIONS"],
    ["GET", "/messages", "POST, OPTIONS"],
    ["DELETE", "/health", "GET, HEAD, OPTIONS"]
  ])("answers %s %s with 405 and Allow", async (method, path, allow) => {
    const response = await call(path, { method });
    expect(response.status).toBe(405);
    expect(response.headers.get("Allow")).toBe(allow);
    expect(await response.json()).toMatchObject({ error: { code: "method_not_allowed" } });
  });

  it("answers /messages without a sessionId with 400", async () => {
    const response = await postJson("/messages", { jsonrpc: "2.0", id: 1, method: "ping" });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: "missing_session" } });
  });

  it.each([
    ["a well-formed id no session has", "/messages?sessionId=0123456789abcdef0123456789abcdef"],
    ["a malformed id", "/messages?sessionId=../../etc"],
    ["an unknown id on /sse", "/sse?sessionId=0123456789abcdef0123456789abcdef"]
  ])("answers %s with 404", async (_name, path) => {
    const response = path.startsWith("/sse")
      ? await authed(path)
      : await postJson(path, { jsonrpc: "2.0", id: 1, method: "ping" });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: "unknown_session" } });
  });

  it("answers /rpc bound to an unknown session with 404", async () => {
    const response = await postJson(
      "/rpc",
      { jsonrpc: "2.0", id: 1, method: "ping" },
      { "Mcp-Session-Id": "0123456789abcdef0123456789abcdef" }
    );
    expect(response.status).toBe(404);
  });
});
