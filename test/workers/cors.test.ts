import { describe, expect, it } from "vitest";
import { env } from "cloudflare:workers";
import worker from "../../src/worker";
import { AUTH, authed, call } from "./support/http";
import { expectJsonRefusal, expectJsonRpcRefusal } from "./support/refusals";

const ALLOW_HEADERS =
  "Authorization, Content-Type, Accept, Mcp-Session-Id, Mcp-Protocol-Version, Last-Event-ID, Mcp-Method, Mcp-Name, Mcp-Param-JobId";
/** The MCP Inspector's own address: a loopback origin, allowed by default. */
const INSPECTOR = "http://localhost:6274";
const PING = '{"jsonrpc":"2.0","id":1,"method":"ping"}';

function rpcFrom(origin: string | null, environment: typeof env): Promise<Response> {
  return worker.fetch(
    new Request("http://mcp.test/rpc", {
      method: "POST",
      headers: { ...AUTH, ...(origin === null ? {} : { Origin: origin }) },
      body: PING
    }),
    environment
  );
}

describe("CORS", () => {
  it.each(["/sse", "/rpc", "/messages", "/health", "/mcp", "/anything"])(
    "answers the OPTIONS preflight on %s with 204 and no auth",
    async (path) => {
      const response = await call(path, {
        method: "OPTIONS",
        headers: { Origin: INSPECTOR, "Access-Control-Request-Method": "POST" }
      });
      expect(response.status).toBe(204);
      expect(response.headers.get("Access-Control-Allow-Origin")).toBe(INSPECTOR);
      expect(response.headers.get("Access-Control-Allow-Headers")).toBe(ALLOW_HEADERS);
      expect(response.headers.get("Access-Control-Allow-Methods")).toContain("POST");
      expect(response.headers.get("Access-Control-Expose-Headers")).toBe("Mcp-Session-Id, WWW-Authenticate");
      expect(response.headers.get("Access-Control-Max-Age")).toBe("86400");
      expect(response.headers.get("Vary")).toContain("Origin");
      expect(response.headers.get("Access-Control-Allow-Credentials")).toBeNull();
    }
  );

  it("adds the headers to authed responses, errors included", async () => {
    const ok = await authed("/rpc", { method: "POST", headers: { Origin: INSPECTOR }, body: PING });
    expect(ok.headers.get("Access-Control-Allow-Origin")).toBe(INSPECTOR);
    const refused = await call("/rpc", { method: "POST", headers: { Origin: INSPECTOR } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get("Access-Control-Allow-Origin")).toBe(INSPECTOR);
    expect(refused.headers.get("Access-Control-Expose-Headers")).toBe("Mcp-Session-Id, WWW-Authenticate");
  });

  it("exposes Mcp-Session-Id on the SSE stream", async () => {
    const response = await authed("/sse", { headers: { Origin: INSPECTOR } });
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe(INSPECTOR);
    expect(response.headers.get("Mcp-Session-Id")).toMatch(/^[0-9a-f]{32}$/);
    await response.body?.cancel();
  });

  describe("the default policy (ALLOWED_ORIGINS unset)", () => {
    it.each([INSPECTOR, "http://127.0.0.1:3000", "https://[::1]:8443", "http://app.localhost:5173", "http://mcp.test"])(
      "allows %s (loopback, or the server's own origin)",
      async (origin) => {
        const response = await rpcFrom(origin, env);
        expect(response.status).toBe(200);
        expect(response.headers.get("Access-Control-Allow-Origin")).toBe(origin);
      }
    );

    it.each([
      "https://evil.example",
      "null",
      "http://localhost.evil.example",
      "http://127.0.0.1.nip.io",
      "file://",
      "https://mcp.test"
    ])("refuses %s with a JSON-RPC 403 before auth, and no allowed origin", async (origin) => {
      const response = await worker.fetch(
        new Request("http://mcp.test/rpc", { method: "POST", headers: { Origin: origin }, body: PING }),
        env
      );
      expect(response.headers.get("Access-Control-Allow-Origin")).toBeNull();
      await expectJsonRpcRefusal(response, 403, "origin_not_allowed");
    });

    it("refuses a foreign origin on GET /sse with a JSON 403", async () => {
      await expectJsonRefusal(await authed("/sse", { headers: { Origin: "https://evil.example" } }), 403, "origin_not_allowed");
    });

    it("gives no allowed origin to a client that sends no Origin, and lets it through", async () => {
      const response = await rpcFrom(null, env);
      expect(response.status).toBe(200);
      expect(response.headers.get("Access-Control-Allow-Origin")).toBeNull();
    });
  });

  describe("with ALLOWED_ORIGINS set", () => {
    const restricted = { ...env, ALLOWED_ORIGINS: "https://a.example, https://B.example/" };

    it.each(["https://a.example", "https://b.example", "http://mcp.test"])(
      "allows %s (listed, or the server's own)",
      async (origin) => {
        const response = await rpcFrom(origin, restricted);
        expect(response.status).toBe(200);
        expect(response.headers.get("Access-Control-Allow-Origin")).toBe(origin);
      }
    );

    it.each([INSPECTOR, "https://evil.example"])("refuses %s, loopback origins included", async (origin) => {
      await expectJsonRpcRefusal(await rpcFrom(origin, restricted), 403, "origin_not_allowed");
    });

    it("gives no allowed origin to an unlisted origin or to no origin on a preflight", async () => {
      for (const headers of [{ Origin: "https://evil.example" }, {}] as HeadersInit[]) {
        const response = await worker.fetch(new Request("http://mcp.test/health", { method: "OPTIONS", headers }), restricted);
        expect(response.status).toBe(204);
        expect(response.headers.get("Access-Control-Allow-Origin")).toBeNull();
        expect(response.headers.get("Vary")).toContain("Origin");
      }
    });
  });

  describe("with ALLOWED_ORIGINS=* (an explicit opt-in)", () => {
    const open = { ...env, ALLOWED_ORIGINS: "*" };

    it("allows any origin", async () => {
      const response = await rpcFrom("https://anything.example", open);
      expect(response.status).toBe(200);
      expect(response.headers.get("Access-Control-Allow-Origin")).toBe("https://anything.example");
    });

    it("uses * when there is no Origin", async () => {
      const response = await worker.fetch(new Request("http://mcp.test/health"), open);
      expect(response.headers.get("Access-Control-Allow-Origin")).toBe("*");
    });
  });
});
