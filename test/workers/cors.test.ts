import { describe, expect, it } from "vitest";
import { env } from "cloudflare:workers";
import worker from "../../src/worker";
import { authed, call } from "./support/http";

const ALLOW_HEADERS =
  "Authorization, Content-Type, Accept, Mcp-Session-Id, Mcp-Protocol-Version, Last-Event-ID";

describe("CORS", () => {
  it.each(["/sse", "/rpc", "/messages", "/health", "/mcp", "/anything"])(
    "answers the OPTIONS preflight on %s with 204 and no auth",
    async (path) => {
      const response = await call(path, {
        method: "OPTIONS",
        headers: { Origin: "https://app.example", "Access-Control-Request-Method": "POST" }
      });
      expect(response.status).toBe(204);
      expect(response.headers.get("Access-Control-Allow-Origin")).toBe("https://app.example");
      expect(response.headers.get("Access-Control-Allow-Headers")).toBe(ALLOW_HEADERS);
      expect(response.headers.get("Access-Control-Allow-Methods")).toContain("POST");
      expect(response.headers.get("Access-Control-Expose-Headers")).toBe("Mcp-Session-Id");
      expect(response.headers.get("Access-Control-Max-Age")).toBe("86400");
      expect(response.headers.get("Vary")).toContain("Origin");
      expect(response.headers.get("Access-Control-Allow-Credentials")).toBeNull();
    }
  );

  it("uses * when there is no Origin and every origin is allowed", async () => {
    const response = await call("/health");
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe("*");
  });

  it("adds the headers to authed responses, errors included", async () => {
    const ok = await authed("/rpc", {
      method: "POST",
      headers: { Origin: "https://app.example" },
      body: '{"jsonrpc":"2.0","id":1,"method":"ping"}'
    });
    expect(ok.headers.get("Access-Control-Allow-Origin")).toBe("https://app.example");
    const refused = await call("/rpc", { method: "POST", headers: { Origin: "https://app.example" } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get("Access-Control-Allow-Origin")).toBe("https://app.example");
    expect(refused.headers.get("Access-Control-Expose-Headers")).toBe("Mcp-Session-Id");
  });

  it("exposes Mcp-Session-Id on the SSE stream", async () => {
    const response = await authed("/sse", { headers: { Origin: "https://app.example" } });
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe("https://app.example");
    expect(response.headers.get("Mcp-Session-Id")).toMatch(/^[0-9a-f]{32}$/);
    await response.body?.cancel();
  });

  describe("with ALLOWED_ORIGINS set", () => {
    const restricted = { ...env, ALLOWED_ORIGINS: "https://a.example, https://b.example" };

    it("echoes an allowed origin", async () => {
      const response = await worker.fetch(
        new Request("http://mcp.test/health", { headers: { Origin: "https://b.example" } }),
        restricted
      );
      expect(response.headers.get("Access-Control-Allow-Origin")).toBe("https://b.example");
    });

    it("gives no allowed origin to an unlisted origin or to no origin", async () => {
      for (const headers of [{ Origin: "https://evil.example" }, {}] as HeadersInit[]) {
        const response = await worker.fetch(
          new Request("http://mcp.test/health", { method: "OPTIONS", headers }),
          restricted
        );
        expect(response.status).toBe(204);
        expect(response.headers.get("Access-Control-Allow-Origin")).toBeNull();
        expect(response.headers.get("Vary")).toContain("Origin");
      }
    });
  });
});
