/**
 * OAuth end to end: the real server (as `npm run dev` runs it), clients that
 * know only its URL, and the consent page in headless Chromium: the SDK
 * client's OAuth support from the first 401 to an analysis, refresh and
 * revocation; the page's refusals and Deny; mcp-remote without `--header`
 * with its browser step pointed at Chromium; and the refusals that need the
 * real runtime (tokens of another origin, CIMD on a private address).
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client as ClientV2, StreamableHTTPClientTransport as HttpTransportV2 } from "@modelcontextprotocol/client";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from "vitest";
import { decideInBrowser, launchChromium, screenshotPath, startCallbackServer, type CallbackServer } from "./support/browser";
import { freePort } from "./support/node-server";
import { MemoryOAuthProvider } from "./support/oauth-client";
import { sleep } from "./support/process-group";
import { startStack, type Stack } from "./support/stack";

let stack: Stack;
let browser: Browser;
let context: BrowserContext;
let callback: CallbackServer;
const YOUTUBE = "https://www.youtube.com/watch?v=dQw4w9WgXcQ";

beforeAll(async () => {
  stack = await startStack();
  browser = await launchChromium();
  callback = await startCallbackServer();
});

afterAll(async () => {
  await browser?.close();
  await callback?.server.close();
  await stack?.stop();
});

beforeEach(async () => {
  context = await browser.newContext();
});

afterEach(async () => {
  await context.close();
});

const mcpUrl = () => new URL(`${stack.server.baseUrl}/mcp`);

function rawListTools(token: string): Promise<Response> {
  return fetch(`${stack.server.baseUrl}/rpc`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" })
  });
}

function revoke(token: string, clientId: string): Promise<Response> {
  return fetch(`${stack.server.baseUrl}/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ token, client_id: clientId })
  });
}

/** Registers a client with DCR, as the SDK does; resolves with its id. */
/** An authorization request for `clientId` to the callback server, with a fixed PKCE S256 challenge. */
function authorizeUrl(clientId: string, state: string, extra: Record<string, string> = {}): URL {
  const url = new URL(`${stack.server.baseUrl}/authorize`);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: clientId,
    redirect_uri: callback.redirectUri,
    code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    code_challenge_method: "S256",
    state,
    ...extra
  }).toString();
  return url;
}

async function registerClient(redirectUri: string, origin = stack.server.baseUrl): Promise<string> {
  const response = await fetch(`${origin}/register`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ client_name: "E2E probe", redirect_uris: [redirectUri], token_endpoint_auth_method: "none" })
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { client_id: string }).client_id;
}

describe("the SDK client with only the URL", () => {
  it("goes from 401 through registration and the consent page in Chromium to an analysis; refreshes; after revocation gets 401", async () => {
    const provider = new MemoryOAuthProvider(callback.redirectUri);
    const firstTry = new StreamableHTTPClientTransport(mcpUrl(), { authProvider: provider });
    await expect(new Client({ name: "e2e-oauth", version: "1.0.0" }).connect(firstTry)).rejects.toBeInstanceOf(UnauthorizedError);
    // Discovery from the 401 and registration happened before the browser step.
    const authorizationUrl = provider.authorizationUrls.at(-1)!;
    expect(`${authorizationUrl.origin}${authorizationUrl.pathname}`).toBe(`${stack.server.baseUrl}/authorize`);
    expect(authorizationUrl.searchParams.get("code_challenge_method")).toBe("S256");
    expect(authorizationUrl.searchParams.get("scope")).toBe("mcp:tools");
    const clientId = provider.clientInformation()!.client_id;

    const page = await context.newPage();
    await decideInBrowser(page, authorizationUrl.href, "Allow", stack.server.secret);
    const back = await callback.next();
    expect(back.searchParams.get("state")).toBe(authorizationUrl.searchParams.get("state"));
    expect(back.searchParams.get("iss")).toBe(stack.server.baseUrl);
    await firstTry.finishAuth(back.searchParams.get("code")!);
    expect(provider.tokens()).toMatchObject({ token_type: "bearer", scope: "mcp:tools", expires_in: 3600 });

    const client = new Client({ name: "e2e-oauth", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(mcpUrl(), { authProvider: provider }));
    try {
      stack.gemini.enqueue({ kind: "answer", chunks: ["A video ", "about cats."] });
      const result = await client.callTool({ name: "analyzeRemoteVideo", arguments: { videoUrl: YOUTUBE } });
      expect(result.isError).toBeFalsy();
      expect(result.content).toEqual([{ type: "text", text: "A video about cats." }]);

      // The same token serves a 2026-era client: stateless requests through the same auth.
      const modern = new ClientV2({ name: "e2e-oauth-2026", version: "1.0.0" }, { versionNegotiation: { mode: "auto" } });
      const bearer = { Authorization: `Bearer ${provider.tokens()!.access_token}` };
      await modern.connect(new HttpTransportV2(mcpUrl(), { requestInit: { headers: bearer } }));
      expect(modern.getNegotiatedProtocolVersion()).toBe("2026-07-28");
      expect((await modern.listTools()).tools.map((tool) => tool.name)).toContain("analyzeRemoteVideo");
      await modern.close();

      // Its access token revoked, the client refreshes on the next 401 and carries on.
      const first = provider.tokens()!;
      expect((await revoke(first.access_token, clientId)).status).toBe(200);
      const saves = provider.tokenSaves;
      await client.listTools();
      expect(provider.tokenSaves).toBe(saves + 1);
      const second = provider.tokens()!;
      expect(second.access_token).not.toBe(first.access_token);
      expect(second.refresh_token).not.toBe(first.refresh_token);

      // The grant revoked (through its refresh token), nothing of it works: the client is sent to sign in again.
      expect((await revoke(second.refresh_token!, clientId)).status).toBe(200);
      const urls = provider.authorizationUrls.length;
      await expect(client.listTools()).rejects.toThrow();
      expect(provider.authorizationUrls.length).toBe(urls + 1);
      const refused = await rawListTools(second.access_token);
      expect(refused.status).toBe(401);
      expect(refused.headers.get("WWW-Authenticate")).toContain(
        `resource_metadata="${stack.server.baseUrl}/.well-known/oauth-protected-resource"`
      );
      expect(await refused.json()).toMatchObject({ jsonrpc: "2.0", id: null, error: { data: { reason: "unauthorized" } } });
    } finally {
      await client.close();
    }
  });
});

describe("the consent page in Chromium", () => {
  async function authorizationUrl(state: string): Promise<string> {
    return authorizeUrl(await registerClient(callback.redirectUri), state, { scope: "mcp:tools" }).href;
  }

  it("refuses a wrong secret on the page, and Allow with the right one completes; a screenshot is kept", async () => {
    const page = await context.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(await authorizationUrl("s-allow"));
    await expect(page.title()).resolves.toBe("Allow E2E probe? · Gemini video MCP");
    // The secret field has the focus, by its label.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("secret");
    await page.screenshot({ path: screenshotPath("consent-page-phone.png"), fullPage: true });
    await page.getByLabel("Server secret").fill("not-the-secret");
    await page.getByRole("button", { name: "Allow", exact: true }).click();
    await page.waitForLoadState();
    await expect(page.getByRole("alert").textContent()).resolves.toContain("That is not this server's secret");
    await page.screenshot({ path: screenshotPath("consent-page-wrong-secret.png"), fullPage: true });
    // The next attempt waits out the delay (1 s after one failure).
    await sleep(1100);
    await page.getByLabel("Server secret").fill(stack.server.secret);
    await page.getByRole("button", { name: "Allow", exact: true }).click();
    const back = await callback.next();
    expect(back.searchParams.get("state")).toBe("s-allow");
    expect(back.searchParams.get("code")).toMatch(/^owner:/);
    // Chromium followed the redirect after the form post: form-action allows the client's origin.
    await page.waitForURL((url) => url.href.startsWith(callback.redirectUri));
  });

  it("Deny returns access_denied to the client", async () => {
    const page = await context.newPage();
    await page.setViewportSize({ width: 1280, height: 900 });
    const url = await authorizationUrl("s-deny");
    await page.goto(url);
    await page.screenshot({ path: screenshotPath("consent-page-desktop.png"), fullPage: true });
    await decideInBrowser(page, url, "Deny");
    const back = await callback.next();
    expect(back.searchParams.get("error")).toBe("access_denied");
    expect(back.searchParams.get("state")).toBe("s-deny");
    expect(back.searchParams.has("code")).toBe(false);
  });

  it("shows an unregistered redirect URI as an error and sends the browser nowhere", async () => {
    const page = await context.newPage();
    const url = new URL(await authorizationUrl("s-bad"));
    url.searchParams.set("redirect_uri", "http://127.0.0.1:1/elsewhere");
    const response = await page.goto(url.href);
    expect(response?.status()).toBe(400);
    await expect(page.getByRole("alert").textContent()).resolves.toContain("Invalid redirect URI");
    expect(page.url()).toBe(url.href);
  });
});

describe("mcp-remote without --header", () => {
  it("signs in through the consent page (its browser step driven in Chromium) and analyses", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mcp-remote-oauth-"));
    const urlFile = join(dir, "opened-urls");
    const opener = join(dir, "browser.sh");
    // mcp-remote opens the URL with `open`, whose xdg-open hands it to $BROWSER: this one writes it down.
    writeFileSync(opener, `#!/bin/sh\nprintf '%s\\n' "$1" >> '${urlFile}'\n`);
    chmodSync(opener, 0o755);
    const proxy = createRequire(import.meta.url).resolve("mcp-remote/dist/proxy.js");
    const port = await freePort();
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [proxy, `${stack.server.baseUrl}/mcp`, String(port), "--transport", "http-only"],
      env: { PATH: process.env.PATH ?? "", MCP_REMOTE_CONFIG_DIR: join(dir, "config"), BROWSER: opener },
      stderr: "pipe"
    });
    let stderr = "";
    transport.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const client = new Client({ name: "e2e-mcp-remote-oauth", version: "1.0.0" });
    const connected = client.connect(transport, { timeout: 90_000 });
    try {
      const deadline = Date.now() + 30_000;
      while (!existsSync(urlFile) && Date.now() < deadline) await sleep(100);
      if (!existsSync(urlFile)) throw new Error(`mcp-remote opened no browser:\n${stderr}`);
      const opened = readFileSync(urlFile, "utf8").trim().split("\n")[0]!;
      expect(opened.startsWith(`${stack.server.baseUrl}/authorize?`)).toBe(true);
      expect(new URL(opened).searchParams.get("redirect_uri")).toBe(`http://localhost:${port}/oauth/callback`);
      const page = await context.newPage();
      await decideInBrowser(page, opened, "Allow", stack.server.secret);
      await page.waitForURL((url) => url.href.startsWith(`http://localhost:${port}/oauth/callback`));
      await connected;
      stack.gemini.enqueue({ kind: "answer", chunks: ["Signed in through mcp-remote."] });
      const result = await client.callTool({ name: "analyzeRemoteVideo", arguments: { videoUrl: YOUTUBE } });
      expect(result.content).toEqual([{ type: "text", text: "Signed in through mcp-remote." }]);
      expect(stderr).not.toContain(stack.server.secret);
    } finally {
      await client.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe("refusals in the real runtime", () => {
  it("refuses a token issued for 127.0.0.1 at localhost: another resource", async () => {
    const provider = new MemoryOAuthProvider(callback.redirectUri);
    const transport = new StreamableHTTPClientTransport(mcpUrl(), { authProvider: provider });
    await expect(new Client({ name: "e2e", version: "1" }).connect(transport)).rejects.toBeInstanceOf(UnauthorizedError);
    const page = await context.newPage();
    await decideInBrowser(page, provider.authorizationUrls.at(-1)!.href, "Allow", stack.server.secret);
    await transport.finishAuth((await callback.next()).searchParams.get("code")!);
    const token = provider.tokens()!.access_token;
    expect((await rawListTools(token)).status).toBe(200);
    const elsewhere = await fetch(`${stack.server.baseUrl.replace("127.0.0.1", "localhost")}/rpc`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" })
    });
    expect(elsewhere.status).toBe(401);
    expect(elsewhere.headers.get("WWW-Authenticate")).toContain('error="invalid_token"');
  });

  it("advertises CIMD and refuses a metadata URL on a private address without fetching it", async () => {
    const metadata = (await (await fetch(`${stack.server.baseUrl}/.well-known/oauth-authorization-server`)).json()) as Record<
      string,
      unknown
    >;
    expect(metadata.client_id_metadata_document_supported).toBe(true);
    const clientDoc = stack.videos.add("/client.json", { size: 10 });
    const requestsBefore = stack.videos.ranges.length;
    for (const clientId of [clientDoc, clientDoc.replace("http:", "https:"), "https://169.254.169.254/client.json"]) {
      const response = await fetch(authorizeUrl(clientId, "s"), { redirect: "manual" });
      expect(response.status, clientId).toBe(400);
      expect(await response.text()).toContain("invalid_client");
    }
    // The fake host saw no request: the guard refused before the library would fetch.
    expect(stack.videos.ranges.length).toBe(requestsBefore);
  });
});
