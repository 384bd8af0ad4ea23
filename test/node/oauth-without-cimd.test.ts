/**
 * The server run without the global_fetch_strictly_public compatibility flag
 * (as a runtime that refuses loopback fetches under it would need for local
 * fakes): the OAuth library then offers no Client ID Metadata Documents, so a
 * URL client_id is an unknown client and is never fetched, while OAuth with
 * registered clients and the static secret work as before.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "./support/stack";

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({}, { withoutStrictPublicFetch: true });
});

afterAll(async () => {
  await stack?.stop();
});

describe("OAuth without global_fetch_strictly_public", () => {
  it("does not advertise CIMD, and refuses a URL client_id as unknown without fetching it", async () => {
    const metadata = (await (await fetch(`${stack.server.baseUrl}/.well-known/oauth-authorization-server`)).json()) as Record<
      string,
      unknown
    >;
    expect(metadata.client_id_metadata_document_supported).not.toBe(true);
    expect(metadata.registration_endpoint).toBe(`${stack.server.baseUrl}/register`);
    const url = new URL(`${stack.server.baseUrl}/authorize`);
    url.search = new URLSearchParams({
      response_type: "code",
      client_id: "https://app.example/oauth/client.json",
      redirect_uri: "https://app.example/callback",
      code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
      code_challenge_method: "S256",
      state: "s"
    }).toString();
    const response = await fetch(url, { redirect: "manual" });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("Invalid client_id");
  });

  it("still reaches the fakes on loopback and takes the static secret", async () => {
    stack.gemini.enqueue({ kind: "answer", chunks: ["Still here."] });
    const response = await fetch(`${stack.server.baseUrl}/rpc`, {
      method: "POST",
      headers: { Authorization: `Bearer ${stack.server.secret}`, "Content-Type": "application/json" },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name: "analyzeRemoteVideo", arguments: { videoUrl: "https://www.youtube.com/watch?v=dQw4w9WgXcQ" } }
      })
    });
    const body = (await response.json()) as { result: { content: unknown } };
    expect(body.result.content).toEqual([{ type: "text", text: "Still here." }]);
  });
});
