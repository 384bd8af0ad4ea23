import { describe, expect, it } from "vitest";
import { env } from "cloudflare:workers";
import worker from "../../src/worker";
import { AUTH } from "./support/http";
import { expectJsonRefusal, expectJsonRpcRefusal } from "./support/refusals";

/** The Worker as `npm run dev` runs it: listening on loopback. */
const loopbackServer = { ...env, LOOPBACK_ONLY: "true" };
const PING = '{"jsonrpc":"2.0","id":1,"method":"ping"}';

/**
 * A request as the Worker sees it under `wrangler dev`: the URL is rebuilt
 * from the Host header, so both name the same host.
 */
function reaching(host: string, path: string, init: RequestInit = {}): Request {
  const headers = new Headers(init.headers);
  headers.set("Host", host);
  return new Request(`http://${host}${path}`, { ...init, headers });
}

function rpcPing(host: string, headers: Record<string, string> = {}): Request {
  return reaching(host, "/rpc", { method: "POST", headers: { ...AUTH, ...headers }, body: PING });
}

describe("Host check on a server that listens on loopback", () => {
  it.each([
    "127.0.0.1:8787",
    "localhost:8787",
    "[::1]:8787",
    "127.0.0.1",
    "LOCALHOST:8787",
    "localhost.:8787",
    "mcp.localhost:8787",
    "127.1.2.3:9000"
  ])("answers a request to %s", async (host) => {
    const response = await worker.fetch(rpcPing(host), loopbackServer);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ jsonrpc: "2.0", id: 1, result: {} });
  });

  it.each([
    "evil.example",
    "evil.example:8787",
    "127.0.0.1.nip.io:8787",
    "localhost.evil.example",
    "10.0.0.5:8787",
    "[::ffff:7f00:1]:8787"
  ])("refuses a request to %s with a JSON-RPC 403 on /rpc, before auth", async (host) => {
    const response = await worker.fetch(reaching(host, "/rpc", { method: "POST", body: PING }), loopbackServer);
    await expectJsonRpcRefusal(response, 403, "host_not_allowed");
    expect(response.headers.get("Access-Control-Allow-Origin")).toBeNull();
  });

  it.each(["/sse", "/health", "/nope"])("refuses a non-loopback Host on %s with a JSON 403", async (path) => {
    await expectJsonRefusal(
      await worker.fetch(reaching("evil.example:8787", path, { headers: AUTH }), loopbackServer),
      403,
      "host_not_allowed"
    );
  });

  it("refuses a CORS preflight to a non-loopback Host", async () => {
    const response = await worker.fetch(
      reaching("evil.example:8787", "/mcp", {
        method: "OPTIONS",
        headers: { Origin: "http://evil.example:8787", "Access-Control-Request-Method": "POST" }
      }),
      loopbackServer
    );
    expect(response.status).toBe(403);
    expect(response.headers.get("Access-Control-Allow-Origin")).toBeNull();
  });

  it("refuses a Host header that disagrees with a loopback URL, or is no host at all", async () => {
    for (const host of ["evil.example", "evil.example@127.0.0.1", "127.0.0.1/x", ""]) {
      const request = new Request("http://127.0.0.1:8787/rpc", { method: "POST", headers: { ...AUTH, Host: host }, body: PING });
      await expectJsonRpcRefusal(await worker.fetch(request, loopbackServer), 403, "host_not_allowed");
    }
  });

  it("passes the conformance suite's dns-rebinding-protection probes: 403 for a foreign Host and Origin, through for its own", async () => {
    const initialize = (host: string) =>
      reaching(host, "/mcp", {
        method: "POST",
        headers: {
          Origin: `http://${host}`,
          "Content-Type": "application/json",
          Accept: "application/json, text/event-stream",
          ...AUTH
        },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "initialize",
          params: {
            protocolVersion: "2025-11-25",
            capabilities: {},
            clientInfo: { name: "conformance-dns-rebinding-test", version: "1.0.0" }
          }
        })
      });
    await expectJsonRpcRefusal(await worker.fetch(initialize("evil.example.com"), loopbackServer), 403, "host_not_allowed");
    const accepted = await worker.fetch(initialize("127.0.0.1:8787"), loopbackServer);
    expect(accepted.status).toBe(200);
    await accepted.body?.cancel();
  });

  it("lets any Host through when the server is not bound to loopback (deployed, the host Cloudflare routed)", async () => {
    const response = await worker.fetch(rpcPing("gemini-video-mcp.example.workers.dev"), env);
    expect(response.status).toBe(200);
  });
});

describe("PUBLIC_URL: a local server reached through a tunnel", () => {
  const tunneled = { ...env, LOOPBACK_ONLY: "true", PUBLIC_URL: "https://abc.tunnel.example/" };

  it("takes a request naming the tunnel's host as a request to PUBLIC_URL: OAuth's issuer is the https origin", async () => {
    const response = await worker.fetch(reaching("abc.tunnel.example", "/.well-known/oauth-authorization-server"), tunneled);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      issuer: "https://abc.tunnel.example",
      authorization_endpoint: "https://abc.tunnel.example/authorize"
    });
    const challenge = await worker.fetch(reaching("abc.tunnel.example", "/mcp", { method: "POST", body: PING }), tunneled);
    expect(challenge.status).toBe(401);
    expect(challenge.headers.get("WWW-Authenticate")).toContain(
      'resource_metadata="https://abc.tunnel.example/.well-known/oauth-protected-resource"'
    );
    const ok = await worker.fetch(rpcPing("abc.tunnel.example"), tunneled);
    expect(ok.status).toBe(200);
  });

  it("still refuses other hosts, and answers loopback ones", async () => {
    await expectJsonRpcRefusal(await worker.fetch(rpcPing("evil.example"), tunneled), 403, "host_not_allowed");
    await expectJsonRpcRefusal(await worker.fetch(rpcPing("abc.tunnel.example.evil.example"), tunneled), 403, "host_not_allowed");
    expect((await worker.fetch(rpcPing("127.0.0.1:8787"), tunneled)).status).toBe(200);
  });
});
