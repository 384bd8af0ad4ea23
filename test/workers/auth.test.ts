import { describe, expect, it, vi } from "vitest";
import { env } from "cloudflare:workers";
import type { Env } from "../../src/env";
import worker from "../../src/worker";
import { TEST_SHARED_SECRET } from "../constants";
import { call } from "./support/http";

/** The test environment with these settings unset, as on a server that has none. */
function withUnset(...names: ("SHARED_SECRET" | "GOOGLE_API_KEY")[]): Env {
  const settings: Env = { ...env };
  for (const name of names) delete settings[name];
  return settings;
}

const ROUTES = [
  ["GET", "/sse"],
  ["POST", "/messages?sessionId=00000000000000000000000000000000"],
  ["POST", "/rpc"]
] as const;

function request(method: string, path: string, authorization?: string): Request {
  return new Request(new URL(path, "http://mcp.test"), {
    method,
    headers: authorization === undefined ? {} : { Authorization: authorization },
    ...(method === "POST" ? { body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' } : {})
  });
}

/** A 401 with a Bearer challenge: a JSON error on GET /sse, a JSON-RPC error on the JSON-RPC routes. */
async function expectUnauthorized(path: string, response: Response, secretsNotInBody: string[] = [TEST_SHARED_SECRET]) {
  expect(response.status).toBe(401);
  expect(response.headers.get("WWW-Authenticate")).toMatch(/^Bearer/);
  const text = await response.text();
  const body = JSON.parse(text) as {
    jsonrpc?: string;
    id?: null;
    error: { code: string | number; message: string; data?: unknown };
  };
  if (path === "/sse") {
    expect(body).toEqual({ error: { code: "unauthorized", message: expect.any(String) } });
  } else {
    expect(body).toEqual({
      jsonrpc: "2.0",
      id: null,
      error: { code: -32000, message: expect.any(String), data: { reason: "unauthorized" } }
    });
  }
  for (const secret of secretsNotInBody) expect(text).not.toContain(secret);
}

describe("bearer auth", () => {
  it.each(ROUTES)("%s %s accepts the right bearer token", async (method, path) => {
    const response = await call(path, {
      method,
      headers: { Authorization: `Bearer ${TEST_SHARED_SECRET}` },
      ...(method === "POST" ? { body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' } : {})
    });
    expect(response.status).not.toBe(401);
    await response.body?.cancel();
  });

  it.each(ROUTES)("%s %s refuses a request without Authorization", async (method, path) => {
    await expectUnauthorized(path, await call(path, { method }));
  });

  it.each([
    ["a wrong token", `Bearer ${"x".repeat(64)}`],
    ["a token one character short", `Bearer ${TEST_SHARED_SECRET.slice(1)}`],
    ["the token with a suffix", `Bearer ${TEST_SHARED_SECRET}x`],
    ["the Basic scheme", `Basic ${TEST_SHARED_SECRET}`],
    ["the bare token", TEST_SHARED_SECRET],
    ["an empty bearer", "Bearer "]
  ])("refuses %s", async (_name, authorization) => {
    await expectUnauthorized("/rpc", await call("/rpc", { method: "POST", headers: { Authorization: authorization } }));
  });

  it("accepts the scheme in any case", async () => {
    const response = await call("/rpc", {
      method: "POST",
      headers: { Authorization: `bearer ${TEST_SHARED_SECRET}` },
      body: '{"jsonrpc":"2.0","id":1,"method":"ping"}'
    });
    expect(response.status).toBe(200);
  });

  it.each([
    ["unset", undefined],
    ["empty", ""],
    ["63 characters", TEST_SHARED_SECRET.slice(1)],
    ["65 characters", `${TEST_SHARED_SECRET}x`]
  ])("refuses everything when the server secret is %s, and never logs the secret", async (_name, secret) => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const misconfigured = secret === undefined ? withUnset("SHARED_SECRET") : { ...env, SHARED_SECRET: secret };
    // Even a client that sends exactly the configured value gets in nowhere.
    for (const attempt of [secret ?? "", TEST_SHARED_SECRET]) {
      await expectUnauthorized("/rpc", await worker.fetch(request("POST", "/rpc", `Bearer ${attempt}`), misconfigured), [
        TEST_SHARED_SECRET
      ]);
    }
    for (const call of log.mock.calls) expect(call.join(" ")).not.toContain(TEST_SHARED_SECRET);
    log.mockRestore();
  });

  it("leaves /health open, saying only that it is healthy", async () => {
    const response = await call("/health");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
  });

  it("says the same on /health whether or not the server is configured", async () => {
    const unconfigured = withUnset("SHARED_SECRET", "GOOGLE_API_KEY");
    const response = await worker.fetch(new Request("http://mcp.test/health"), unconfigured);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
  });
});
