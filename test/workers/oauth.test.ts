import { describe, expect, it, vi } from "vitest";
import { env } from "cloudflare:workers";
import worker from "../../src/worker";
import { MAX_CLIENT_METADATA_BYTES, MAX_REDIRECT_URIS } from "../../src/oauth/client-metadata";
import {
  CONSENT_PAGES_PER_WINDOW,
  RATE_LIMIT_PERIOD_SECONDS,
  rateLimitKey,
  REGISTRATIONS_PER_WINDOW
} from "../../src/oauth/rate-limit";
import { REFRESH_REUSE_GRACE_SECONDS } from "../../src/oauth/refresh-replay";
import { grantProps, oauthStackFor } from "../../src/oauth/server";
import { TEST_SHARED_SECRET } from "../constants";
import { movableClock } from "./support/clock";
import { BASE_URL, call } from "./support/http";
import {
  allow,
  authorizeClient,
  authorizeUrl,
  clientMetadata,
  exchangeCode,
  freshClientAddress,
  listTools,
  openConsent,
  pkce,
  postConsent,
  readConsentPage,
  REDIRECT_URI,
  register,
  registerRequest,
  requestAuthorization,
  tokenRequest,
  type Tokens
} from "./support/oauth";
import { expectJsonRefusal, expectJsonRpcRefusal } from "./support/refusals";

const PING = '{"jsonrpc":"2.0","id":1,"method":"ping"}';

/** The challenge of a 401 or 403: Bearer, naming the protected-resource document and the scope. */
function expectChallenge(response: Response, error?: string): void {
  const challenge = response.headers.get("WWW-Authenticate") ?? "";
  expect(challenge).toMatch(/^Bearer /);
  expect(challenge).toContain(`resource_metadata="${BASE_URL}/.well-known/oauth-protected-resource"`);
  expect(challenge).toContain('scope="mcp:tools"');
  if (error) expect(challenge).toContain(`error="${error}"`);
}

describe("OAuth discovery", () => {
  it("publishes authorization-server metadata: PKCE S256 only, registration, revocation, CIMD, the tools scope", async () => {
    const response = await call("/.well-known/oauth-authorization-server");
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      issuer: BASE_URL,
      authorization_endpoint: `${BASE_URL}/authorize`,
      token_endpoint: `${BASE_URL}/token`,
      registration_endpoint: `${BASE_URL}/register`,
      revocation_endpoint: `${BASE_URL}/token`,
      response_types_supported: ["code"],
      grant_types_supported: ["authorization_code", "refresh_token"],
      code_challenge_methods_supported: ["S256"],
      scopes_supported: ["mcp:tools"],
      client_id_metadata_document_supported: true,
      authorization_response_iss_parameter_supported: true,
      protected_resources: [BASE_URL]
    });
  });

  it("publishes protected-resource metadata for the server's origin", async () => {
    const response = await call("/.well-known/oauth-protected-resource");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      resource: BASE_URL,
      authorization_servers: [BASE_URL],
      scopes_supported: ["mcp:tools"],
      bearer_methods_supported: ["header"],
      resource_name: "Gemini video MCP server"
    });
  });

  it.each([
    ["POST", "/mcp"],
    ["POST", "/rpc"],
    ["POST", "/messages?sessionId=00000000000000000000000000000000"]
  ])("answers %s %s without credentials with 401, the challenge and a JSON-RPC error", async (method, path) => {
    const response = await call(path, { method, body: PING });
    expectChallenge(response);
    await expectJsonRpcRefusal(response, 401, "unauthorized");
  });

  it("answers GET /sse without credentials with 401, the challenge and a JSON error", async () => {
    const response = await call("/sse");
    expectChallenge(response);
    await expectJsonRefusal(response, 401, "unauthorized");
  });

  it("offers no OAuth over plain http off loopback, and the secret still works there", async () => {
    const metadata = await worker.fetch(new Request("http://mcp.test/.well-known/oauth-authorization-server"), env);
    await expectJsonRefusal(metadata, 404, "not_found");
    const refused = await worker.fetch(new Request("http://mcp.test/rpc", { method: "POST", body: PING }), env);
    expect(refused.headers.get("WWW-Authenticate")).toBe('Bearer realm="gemini-video-mcp"');
    await expectJsonRpcRefusal(refused, 401, "unauthorized");
    const ok = await worker.fetch(
      new Request("http://mcp.test/rpc", {
        method: "POST",
        headers: { Authorization: `Bearer ${TEST_SHARED_SECRET}` },
        body: PING
      }),
      env
    );
    expect(ok.status).toBe(200);
  });
});

describe("the consent page", () => {
  it("names the client (escaped), where access goes and what it allows, with a strict CSP and no script", async () => {
    const clientId = await register();
    const { challenge } = await pkce();
    const page = await openConsent(authorizeUrl({ clientId, challenge }));
    expect(page.response.status).toBe(200);
    expect(page.response.headers.get("Content-Type")).toBe("text/html; charset=utf-8");
    expect(page.html).toContain("Test &#60;b&#62;client&#60;/b&#62;");
    expect(page.html).not.toContain("<b>client</b>");
    expect(page.html).toContain("client.example");
    expect(page.html).toContain("mcp:tools");
    expect(page.html).toContain("registered itself");
    expect(page.html).not.toMatch(/<script/i);
    expect(page.html).toMatch(/<label for="secret">/);
    expect(page.html).toMatch(/<meta name="viewport" content="width=device-width, initial-scale=1">/);
    const csp = page.response.headers.get("Content-Security-Policy") ?? "";
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/style-src 'nonce-[A-Za-z0-9+/=]+'/);
    expect(csp).toContain("form-action 'self' https://client.example");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("script-src");
    expect(page.response.headers.get("X-Frame-Options")).toBe("DENY");
    expect(page.response.headers.get("Cache-Control")).toBe("no-store");
    expect(page.response.headers.get("Set-Cookie")).toMatch(
      /^__Host-oauth-consent-[0-9a-f]+=[0-9a-f]+; Path=\/; Secure; HttpOnly; SameSite=Lax/
    );
    // The secret is never part of the page.
    expect(page.html).not.toContain(TEST_SHARED_SECRET);
  });

  it("warns when access goes to an app on this computer", async () => {
    const redirectUri = "http://127.0.0.1:4567/callback";
    const clientId = await register({ redirect_uris: [redirectUri] });
    const { challenge } = await pkce();
    const page = await openConsent(authorizeUrl({ clientId, challenge, redirectUri }));
    expect(page.html).toContain("an app on this computer");
    expect(page.response.headers.get("Content-Security-Policy")).toContain("form-action 'self' http://127.0.0.1:4567");
  });

  it("Deny sends access_denied, the state and iss back to the client", async () => {
    const clientId = await register();
    const { challenge } = await pkce();
    const page = await openConsent(authorizeUrl({ clientId, challenge, state: "s-deny" }));
    const denied = await postConsent(page, { decision: "deny" });
    expect(denied.status).toBe(302);
    const back = new URL(denied.headers.get("Location")!);
    expect(`${back.origin}${back.pathname}`).toBe(REDIRECT_URI);
    expect(Object.fromEntries(back.searchParams)).toMatchObject({ error: "access_denied", state: "s-deny", iss: BASE_URL });
    expect(back.searchParams.has("code")).toBe(false);
  });

  it("refuses a wrong secret with a new page, slows the next attempt down, then takes the right one", async () => {
    const from = { "CF-Connecting-IP": "203.0.113.7" };
    const clientId = await register();
    const { verifier, challenge } = await pkce();
    const page = await openConsent(authorizeUrl({ clientId, challenge }));
    const log = vi.spyOn(console, "warn");
    const wrong = await postConsent(page, { decision: "allow", secret: "x".repeat(64) }, from);
    expect(wrong.status).toBe(403);
    expect(wrong.headers.get("Retry-After")).toBe("1");
    const again = await readConsentPage(wrong);
    expect(again.html).toContain("That is not this server&#39;s secret");
    expect(again.html).toContain('aria-invalid="true"');
    expect(again.handle).not.toBe(page.handle);
    // The used handle is gone, and its cookie cleared.
    expect(wrong.headers.get("Set-Cookie")).toContain(
      `${page.cookie.split("=")[0]}=; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0`
    );
    // At once, even the right secret is not heard.
    const throttled = await postConsent(again, { decision: "allow", secret: TEST_SHARED_SECRET }, from);
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
    const third = await readConsentPage(throttled);
    expect(third.html).toContain("Too many wrong secrets");
    // Another address is not slowed down by this one.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const allowed = await postConsent(third, { decision: "allow", secret: TEST_SHARED_SECRET }, from);
    expect(allowed.status).toBe(302);
    const code = new URL(allowed.headers.get("Location")!).searchParams.get("code")!;
    const tokens = await exchangeCode(clientId, code, verifier);
    expect((await listTools(tokens.access_token)).status).toBe(200);
    for (const call of log.mock.calls) expect(call.join(" ")).not.toContain("x".repeat(64));
    log.mockRestore();
  });

  it("doubles the delay with every wrong secret", async () => {
    const from = { "CF-Connecting-IP": "198.51.100.9" };
    const clientId = await register();
    const { challenge } = await pkce();
    let page = await openConsent(authorizeUrl({ clientId, challenge }));
    const delays: string[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const wrong = await postConsent(page, { decision: "allow", secret: `wrong-${attempt}` }, from);
      delays.push(`${wrong.status}:${wrong.headers.get("Retry-After")}`);
      page = await readConsentPage(wrong);
      await new Promise((resolve) => setTimeout(resolve, 1000 * 2 ** attempt + 50));
    }
    expect(delays).toEqual(["403:1", "403:2", "403:4"]);
  }, 20_000);

  it("on a local server, forged addresses are slowed too, and after a burst the owner allows within 10 s", async () => {
    const local = "http://127.0.0.1:8787";
    const clientId = await register({}, local);
    const { verifier, challenge } = await pkce();
    let page = await openConsent(authorizeUrl({ clientId, challenge }, local));
    const clock = movableClock();
    try {
      const delays: number[] = [];
      for (let attempt = 0; attempt < 6; attempt++) {
        clock.advance(delays.at(-1) ?? 0);
        const wrong = await postConsent(page, { decision: "allow", secret: `wrong-${attempt}` }, {}, local);
        expect(wrong.status).toBe(403);
        delays.push(Number(wrong.headers.get("Retry-After")));
        page = await readConsentPage(wrong);
        // A new CF-Connecting-IP is no new bucket: the header is the client's own here.
        const forged = { "CF-Connecting-IP": `198.51.100.${100 + attempt}` };
        const guess = await postConsent(page, { decision: "allow", secret: `forged-${attempt}` }, forged, local);
        expect(guess.status, `forged guess ${attempt}`).toBe(429);
        page = await readConsentPage(guess);
      }
      expect(delays).toEqual([1, 2, 4, 8, 10, 10]);
      const held = await postConsent(page, { decision: "allow", secret: TEST_SHARED_SECRET }, {}, local);
      expect(held.status).toBe(429);
      expect(Number(held.headers.get("Retry-After"))).toBeLessThanOrEqual(10);
      page = await readConsentPage(held);
      clock.advance(10);
      const back = await allow(page, local);
      const tokens = await exchangeCode(clientId, back.searchParams.get("code")!, verifier, local);
      expect(tokens.access_token).toBeTruthy();
    } finally {
      clock.restore();
    }
  });

  it("refuses a post from another origin, without the browser's cookie, or with a used handle", async () => {
    const clientId = await register();
    const { challenge } = await pkce();
    const page = await openConsent(authorizeUrl({ clientId, challenge }));
    const crossSite = await postConsent(
      page,
      { decision: "allow", secret: TEST_SHARED_SECRET },
      { Origin: "http://localhost:3000" }
    );
    expect(crossSite.status).toBe(403);
    const noCookie = await postConsent({ ...page, cookie: "" }, { decision: "allow", secret: TEST_SHARED_SECRET });
    expect(noCookie.status).toBe(400);
    expect(await noCookie.text()).toContain("not started in this browser");
    await allow(page);
    const reused = await postConsent(page, { decision: "allow", secret: TEST_SHARED_SECRET });
    expect(reused.status).toBe(400);
    expect(await reused.text()).toContain("expired or was already used");
  });
});

describe("the authorization code flow", () => {
  it("issues tokens bound to this server that work on every route, refresh with rotation, and revoke", async () => {
    const { clientId, tokens } = await authorizeClient();
    expect(tokens).toMatchObject({ token_type: "bearer", expires_in: 3600, scope: "mcp:tools" });
    expect(tokens.access_token).toMatch(/^owner:/);
    const listed = (await (await listTools(tokens.access_token)).json()) as { result: { tools: unknown[] } };
    expect(listed.result.tools.length).toBeGreaterThan(0);
    const sse = await call("/sse", { headers: { Authorization: `Bearer ${tokens.access_token}` } });
    expect(sse.status).toBe(200);
    await sse.body?.cancel();

    const refresh = async (refreshToken: string) =>
      tokenRequest({ grant_type: "refresh_token", client_id: clientId, refresh_token: refreshToken });
    const refreshed = (await (await refresh(tokens.refresh_token)).json()) as typeof tokens;
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    expect((await listTools(refreshed.access_token)).status).toBe(200);
    const again = (await (await refresh(refreshed.refresh_token)).json()) as typeof tokens;
    expect(again.refresh_token).not.toBe(refreshed.refresh_token);
    expect((await listTools(again.access_token)).status).toBe(200);

    // Revoking the refresh token revokes the grant: every token of it stops working.
    const revoked = await tokenRequest({ token: again.refresh_token, token_type_hint: "refresh_token", client_id: clientId });
    expect(revoked.status).toBe(200);
    const after = await listTools(again.access_token);
    expectChallenge(after, "invalid_token");
    await expectJsonRpcRefusal(after, 401, "unauthorized");
    expect((await refresh(again.refresh_token)).status).toBe(400);
  });

  it("revokes an access token on its own", async () => {
    const { clientId, tokens } = await authorizeClient();
    const revoked = await tokenRequest({ token: tokens.access_token, client_id: clientId });
    expect(revoked.status).toBe(200);
    await expectJsonRpcRefusal(await listTools(tokens.access_token), 401, "unauthorized");
  });

  it("refuses a token for another resource (this server on another origin)", async () => {
    const other = "https://other.test";
    const { tokens } = await authorizeClient(other);
    expect((await listTools(tokens.access_token, other)).status).toBe(200);
    const here = await listTools(tokens.access_token);
    expectChallenge(here, "invalid_token");
    await expectJsonRpcRefusal(here, 401, "unauthorized");
  });

  it("refuses an expired access token with 401", async () => {
    const { tokens } = await authorizeClient();
    const [, grantId] = tokens.access_token.split(":");
    const keys = await env.OAUTH_KV.list({ prefix: `token:owner:${grantId}:` });
    for (const { name } of keys.keys) {
      const record = (await env.OAUTH_KV.get(name, { type: "json" })) as { expiresAt: number };
      await env.OAUTH_KV.put(name, JSON.stringify({ ...record, expiresAt: Math.floor(Date.now() / 1000) - 1 }));
    }
    const response = await listTools(tokens.access_token);
    expectChallenge(response, "invalid_token");
    await expectJsonRpcRefusal(response, 401, "unauthorized");
  });

  it.each([
    ["three parts", "a:b:c"],
    ["our shape with unknown ids", `owner:${"A".repeat(16)}:${"B".repeat(32)}`],
    ["another user", `admin:${"A".repeat(16)}:${"B".repeat(32)}`],
    ["a long token", `owner:${"A".repeat(600)}:${"B".repeat(32)}`],
    ["characters KV keys dislike", `owner:../../${"A".repeat(10)}:${"B".repeat(32)}`],
    ["the secret with a suffix", `${TEST_SHARED_SECRET}:x`]
  ])("refuses a malformed token (%s) with 401, never a 5xx", async (_name, token) => {
    const response = await listTools(token);
    expectChallenge(response, "invalid_token");
    await expectJsonRpcRefusal(response, 401, "unauthorized");
  });

  it("refuses a grant without the tools scope with 403 insufficient_scope", async () => {
    const clientId = await register();
    const { verifier, challenge } = await pkce();
    const oauth = oauthStackFor(new URL(BASE_URL))!.authorizationServer.getOAuthApi(env);
    const authRequest = await oauth.parseAuthRequest(new Request(authorizeUrl({ clientId, challenge })));
    const { redirectTo } = await oauth.completeAuthorization({
      request: { ...authRequest, scope: [] },
      userId: "owner",
      metadata: {},
      scope: [],
      props: await grantProps(TEST_SHARED_SECRET)
    });
    const tokens = await exchangeCode(clientId, new URL(redirectTo).searchParams.get("code")!, verifier);
    const response = await listTools(tokens.access_token);
    const scopeChallenge = response.headers.get("WWW-Authenticate") ?? "";
    expect(scopeChallenge).toContain('error="insufficient_scope"');
    expect(scopeChallenge).toContain('scope="mcp:tools"');
    expect(scopeChallenge).toContain(`resource_metadata="${BASE_URL}/.well-known/oauth-protected-resource"`);
    await expectJsonRpcRefusal(response, 403, "insufficient_scope");
  });

  it("rotating the secret makes every grant's tokens useless and revokes the grant", async () => {
    const { clientId, tokens } = await authorizeClient();
    const rotated = { ...env, SHARED_SECRET: "r".repeat(64) };
    const request = (token: string) =>
      new Request(`${BASE_URL}/rpc`, { method: "POST", headers: { Authorization: `Bearer ${token}` }, body: PING });
    const refused = await worker.fetch(request(tokens.access_token), rotated);
    await expectJsonRpcRefusal(refused, 401, "unauthorized");
    // Revoked on sight: not even the old secret brings it back.
    await expectJsonRpcRefusal(await listTools(tokens.access_token), 401, "unauthorized");
    const refresh = await tokenRequest({ grant_type: "refresh_token", client_id: clientId, refresh_token: tokens.refresh_token });
    expect(refresh.status).toBe(400);
    expect(((await refresh.json()) as { error: string }).error).toBe("invalid_grant");
    // The new secret works as a bearer at once.
    expect((await worker.fetch(request("r".repeat(64)), rotated)).status).toBe(200);
  });

  it("refuses the refresh of a grant given under an earlier secret", async () => {
    const { clientId, tokens } = await authorizeClient();
    const rotated = { ...env, SHARED_SECRET: "q".repeat(64) };
    const refresh = await worker.fetch(
      new Request(`${BASE_URL}/token`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ grant_type: "refresh_token", client_id: clientId, refresh_token: tokens.refresh_token })
      }),
      rotated
    );
    expect(refresh.status).toBe(400);
    expect(((await refresh.json()) as { error: string }).error).toBe("invalid_grant");
    // invalid_grant revoked the grant: its access token is dead under the old secret too.
    await expectJsonRpcRefusal(await listTools(tokens.access_token), 401, "unauthorized");
  });
});

describe("refresh-token replay", () => {
  const refresh = (clientId: string, refreshToken: string) =>
    tokenRequest({ grant_type: "refresh_token", client_id: clientId, refresh_token: refreshToken });

  async function refreshed(clientId: string, refreshToken: string): Promise<Tokens> {
    const response = await refresh(clientId, refreshToken);
    const body = (await response.json()) as Tokens;
    expect(response.status, JSON.stringify(body)).toBe(200);
    return body;
  }

  async function expectRefused(clientId: string, refreshToken: string): Promise<void> {
    const response = await refresh(clientId, refreshToken);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: "invalid_grant" });
  }

  /** Every refresh and access token of the grant is refused. */
  async function expectGrantRevoked(clientId: string, grant: Tokens[]): Promise<void> {
    for (const tokens of grant) {
      await expectJsonRpcRefusal(await listTools(tokens.access_token), 401, "unauthorized");
      await expectRefused(clientId, tokens.refresh_token);
    }
  }

  it("revokes the whole grant when a rotated-out refresh token comes back after the grace window", async () => {
    const { clientId, tokens: first } = await authorizeClient();
    const second = await refreshed(clientId, first.refresh_token);
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      vi.setSystemTime(Date.now() + (REFRESH_REUSE_GRACE_SECONDS + 1) * 1000);
      await expectRefused(clientId, first.refresh_token);
      await expectGrantRevoked(clientId, [first, second]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("revokes the whole grant when the refresh token before the current one comes back", async () => {
    const { clientId, tokens: first } = await authorizeClient();
    const second = await refreshed(clientId, first.refresh_token);
    const third = await refreshed(clientId, second.refresh_token);
    await expectRefused(clientId, first.refresh_token);
    await expectGrantRevoked(clientId, [first, second, third]);
  });

  it("takes one retry of a refresh whose answer was lost, within the grace window; a second reuse revokes the grant", async () => {
    const { clientId, tokens: first } = await authorizeClient();
    await refreshed(clientId, first.refresh_token); // Its answer never reached the client.
    const retried = await refreshed(clientId, first.refresh_token);
    expect((await listTools(retried.access_token)).status).toBe(200);
    await expectRefused(clientId, first.refresh_token);
    await expectGrantRevoked(clientId, [first, retried]);
  });

  it("revokes the grant when the answer of a lost refresh turns up after the retry (two holders of one grant)", async () => {
    const { clientId, tokens: first } = await authorizeClient();
    const lost = await refreshed(clientId, first.refresh_token);
    const retried = await refreshed(clientId, first.refresh_token);
    await expectRefused(clientId, lost.refresh_token);
    await expectGrantRevoked(clientId, [first, lost, retried]);
  });

  it("keeps rotating for a client that always uses its newest refresh token", async () => {
    const { clientId, tokens } = await authorizeClient();
    let current = tokens;
    for (let round = 0; round < 3; round++) current = await refreshed(clientId, current.refresh_token);
    expect((await listTools(current.access_token)).status).toBe(200);
  });
});

/** Every key in the OAuth KV namespace. */
async function kvKeys(): Promise<string[]> {
  const names: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await env.OAUTH_KV.list(cursor === undefined ? {} : { cursor });
    names.push(...page.keys.map((key) => key.name));
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor !== undefined);
  return names;
}

/**
 * Waits out the last seconds of a rate-limit window: the limits count in
 * windows aligned to the clock, so a burst that straddles two would be
 * counted in halves.
 */
const WINDOW_EDGE_MARGIN_MS = 5000;
// A test that waits out a window edge and then sends a burst needs that wait on top of the default 5 s.
const WINDOW_EDGE_TEST_TIMEOUT_MS = WINDOW_EDGE_MARGIN_MS + 25_000;

async function awayFromWindowEdge(): Promise<void> {
  const periodMs = RATE_LIMIT_PERIOD_SECONDS * 1000;
  const left = periodMs - (Date.now() % periodMs);
  if (left < WINDOW_EDGE_MARGIN_MS) await new Promise((resolve) => setTimeout(resolve, left + 100));
}

describe("registration and consent-page limits", () => {
  it.each([
    ["a long client_name", { client_name: "n".repeat(1000) }, "invalid_client_metadata"],
    ["a client_name of 900 KB", { client_name: "n".repeat(900 * 1024) }, "invalid_client_metadata"],
    ["a long language-tagged client_name", { "client_name#fr": "n".repeat(1000) }, "invalid_client_metadata"],
    [
      "2,000 redirect URIs",
      { redirect_uris: Array.from({ length: 2000 }, (_, i) => `https://client.example/cb/${i}`) },
      "invalid_redirect_uri"
    ],
    [
      "one redirect URI too many",
      { redirect_uris: Array.from({ length: MAX_REDIRECT_URIS + 1 }, (_, i) => `https://client.example/cb/${i}`) },
      "invalid_redirect_uri"
    ],
    ["an unknown field of 500 KB", { software_blob: "x".repeat(500 * 1024) }, "invalid_client_metadata"],
    [
      "many unknown fields",
      Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`x_${i}`, "y".repeat(40)])),
      "invalid_client_metadata"
    ]
  ])("refuses %s with RFC 7591's error, storing nothing", async (_name, metadata, error) => {
    const before = await kvKeys();
    const response = await registerRequest(clientMetadata(metadata));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error });
    expect(await kvKeys()).toEqual(before);
  });

  it("registers metadata just within the bounds, ignoring (and not storing) fields it does not know", async () => {
    const metadata = clientMetadata({
      redirect_uris: Array.from({ length: MAX_REDIRECT_URIS }, (_, i) => `https://client.example/cb/${i}`),
      client_name: "n".repeat(200),
      application_type: "web",
      x_vendor_note: "kept out of storage"
    });
    const padding = MAX_CLIENT_METADATA_BYTES - new TextEncoder().encode(JSON.stringify({ ...metadata, x_pad: "" })).byteLength;
    const response = await registerRequest({ ...metadata, x_pad: "p".repeat(padding) });
    const body = (await response.json()) as { client_id: string };
    expect(response.status, JSON.stringify(body)).toBe(201);
    const stored = await env.OAUTH_KV.get(`client:${body.client_id}`);
    expect(stored).not.toBeNull();
    expect(stored).not.toContain("kept out of storage");
    expect(stored).not.toContain("ppp");
  });

  it("counts by CF-Connecting-IP only where Cloudflare's edge set it: on a local server a forged one picks no fresh key", () => {
    const from = (url: string, address: string) => rateLimitKey(new Request(url, { headers: { "CF-Connecting-IP": address } }));
    expect(from("https://mcp.example/register", "192.0.2.7")).toBe("192.0.2.7");
    expect(from("http://127.0.0.1:8787/register", "192.0.2.7")).toBe(from("http://127.0.0.1:8787/register", "192.0.2.8"));
    expect(from("https://localhost:8787/register", "192.0.2.7")).toBe("unknown");
  });

  it(
    `answers the registration after ${REGISTRATIONS_PER_WINDOW} in a minute from one address with 429, Retry-After and a JSON error`,
    async () => {
      await awayFromWindowEdge();
      const address = freshClientAddress();
      const before = (await kvKeys()).length;
      for (let i = 0; i < REGISTRATIONS_PER_WINDOW; i++) {
        expect((await registerRequest(clientMetadata(), address)).status).toBe(201);
      }
      const refused = await registerRequest(clientMetadata(), address);
      expect(refused.status).toBe(429);
      expect(refused.headers.get("Retry-After")).toBe(String(RATE_LIMIT_PERIOD_SECONDS));
      expect(refused.headers.get("Content-Type")).toContain("application/json");
      expect(await refused.json()).toMatchObject({ error: "temporarily_unavailable" });
      expect((await kvKeys()).length).toBe(before + REGISTRATIONS_PER_WINDOW);
      // Another address is not held back.
      expect((await registerRequest(clientMetadata())).status).toBe(201);
    },
    WINDOW_EDGE_TEST_TIMEOUT_MS
  );

  it(
    `answers the consent page after ${CONSENT_PAGES_PER_WINDOW} in a minute from one address with 429 and Retry-After; the owner elsewhere still signs in`,
    async () => {
      const clientId = await register();
      const { verifier, challenge } = await pkce();
      const url = authorizeUrl({ clientId, challenge });
      await awayFromWindowEdge();
      const address = freshClientAddress();
      for (let i = 0; i < CONSENT_PAGES_PER_WINDOW; i++) {
        const page = await requestAuthorization(url, address);
        expect(page.status).toBe(200);
        await page.body?.cancel();
      }
      const before = await kvKeys();
      const refused = await requestAuthorization(url, address);
      expect(refused.status).toBe(429);
      expect(refused.headers.get("Retry-After")).toBe(String(RATE_LIMIT_PERIOD_SECONDS));
      expect(refused.headers.get("Set-Cookie")).toBeNull();
      expect(await refused.text()).toContain("temporarily_unavailable");
      expect(await kvKeys()).toEqual(before);

      const back = await allow(await openConsent(url));
      expect((await exchangeCode(clientId, back.searchParams.get("code")!, verifier)).access_token).toMatch(/^owner:/);
    },
    WINDOW_EDGE_TEST_TIMEOUT_MS
  );
});

describe("bad authorization input", () => {
  it("renders an unregistered redirect URI as an error here, never redirecting to it", async () => {
    const clientId = await register();
    const { challenge } = await pkce();
    const response = await requestAuthorization(
      authorizeUrl({ clientId, challenge, redirectUri: "https://evil.example/callback" })
    );
    expect(response.status).toBe(400);
    expect(response.headers.get("Location")).toBeNull();
    const html = await response.text();
    expect(html).toContain("Invalid redirect URI");
    expect(html).not.toContain("evil.example");
  });

  it("renders an unknown client as an error here", async () => {
    const { challenge } = await pkce();
    const response = await requestAuthorization(authorizeUrl({ clientId: "nobody", challenge }));
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("Invalid client_id");
  });

  it("sends a missing state back as invalid_request", async () => {
    const clientId = await register();
    const { challenge } = await pkce();
    const response = await requestAuthorization(authorizeUrl({ clientId, challenge, state: null }));
    expect(response.status).toBe(302);
    const back = new URL(response.headers.get("Location")!);
    expect(back.searchParams.get("error")).toBe("invalid_request");
    expect(back.searchParams.get("error_description")).toBe("state is required");
    expect(back.searchParams.has("code")).toBe(false);
  });

  it("refuses the plain PKCE method", async () => {
    const clientId = await register();
    const response = await requestAuthorization(authorizeUrl({ clientId, challenge: "x".repeat(43), method: "plain" }));
    expect(response.status).toBe(302);
    expect(new URL(response.headers.get("Location")!).searchParams.get("error")).toBe("invalid_request");
  });

  it("refuses a wrong PKCE verifier with invalid_grant, without burning the code", async () => {
    const clientId = await register();
    const { verifier, challenge } = await pkce();
    const back = await allow(await openConsent(authorizeUrl({ clientId, challenge })));
    const code = back.searchParams.get("code")!;
    const wrong = await tokenRequest({
      grant_type: "authorization_code",
      client_id: clientId,
      code,
      code_verifier: (await pkce()).verifier,
      redirect_uri: REDIRECT_URI
    });
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as { error: string }).error).toBe("invalid_grant");
    await exchangeCode(clientId, code, verifier);
  });

  it("refuses a reused code with invalid_grant, and revokes what the code gave", async () => {
    const clientId = await register();
    const { verifier, challenge } = await pkce();
    const back = await allow(await openConsent(authorizeUrl({ clientId, challenge })));
    const code = back.searchParams.get("code")!;
    const tokens = await exchangeCode(clientId, code, verifier);
    const replay = await tokenRequest({
      grant_type: "authorization_code",
      client_id: clientId,
      code,
      code_verifier: verifier,
      redirect_uri: REDIRECT_URI
    });
    expect(replay.status).toBe(400);
    expect(((await replay.json()) as { error: string }).error).toBe("invalid_grant");
    await expectJsonRpcRefusal(await listTools(tokens.access_token), 401, "unauthorized");
  });

  it.each([
    "https://127.0.0.1/client.json",
    "https://localhost/client.json",
    "https://[::1]/client.json",
    "https://169.254.169.254/latest/meta-data",
    "https://10.1.2.3/client.json",
    "https://metadata.google.internal/client.json",
    "https://0x7f000001/client.json"
  ])("refuses a CIMD client_id on a private address (%s) without fetching it", async (clientId) => {
    const fetchSpy = vi.spyOn(globalThis, "fetch");
    const { challenge } = await pkce();
    const page = await requestAuthorization(authorizeUrl({ clientId, challenge }));
    expect(page.status).toBe(400);
    expect(await page.text()).toContain("invalid_client");
    const token = await tokenRequest({
      grant_type: "authorization_code",
      client_id: clientId,
      code: "x",
      code_verifier: "y",
      redirect_uri: REDIRECT_URI
    });
    expect(token.status).toBe(401);
    expect(((await token.json()) as { error: string }).error).toBe("invalid_client");
    expect(fetchSpy).not.toHaveBeenCalled();
    fetchSpy.mockRestore();
  });

  it("fetches a CIMD client's document on a public host and names its domain", async () => {
    const clientId = "https://app.example/oauth/client.json";
    const fetchSpy = vi.spyOn(globalThis, "fetch").mockImplementation(async (input) => {
      const url = new Request(input).url;
      if (url !== clientId) throw new TypeError(`unexpected fetch ${url}`);
      return Response.json(
        { client_id: clientId, client_name: "Example App", redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: "none" },
        { headers: { "Cache-Control": "no-store" } }
      );
    });
    const { challenge } = await pkce();
    const page = await openConsent(authorizeUrl({ clientId, challenge }));
    expect(page.html).toContain("Published by <strong>app.example</strong>");
    expect(fetchSpy).toHaveBeenCalled();
    fetchSpy.mockRestore();
  });
});
