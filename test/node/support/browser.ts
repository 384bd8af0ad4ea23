/**
 * Headless Chromium (Debian's `chromium`, driven by playwright-core) for the
 * consent page, and a loopback "app" that OAuth redirects come back to.
 * Playwright's own browser download is not used: `.ci/run` installs
 * `/usr/bin/chromium` with apt-get when it is missing.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { serveOnLoopback, type LoopbackServer } from "./node-server";

export const CHROMIUM_PATH = "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync"
];

/** Where screenshots go (git-ignored). */
export const TEST_RESULTS_DIR = join(import.meta.dirname, "..", "..", "..", "test-results");

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}

export function screenshotPath(name: string): string {
  mkdirSync(TEST_RESULTS_DIR, { recursive: true });
  return join(TEST_RESULTS_DIR, name);
}

/** An OAuth client's redirect target on loopback: records every URL it is sent to. */
export interface CallbackServer {
  server: LoopbackServer;
  redirectUri: string;
  /** Resolves with the next URL the browser is sent back to (query and all). */
  next(timeoutMs?: number): Promise<URL>;
}

export async function startCallbackServer(path = "/callback"): Promise<CallbackServer> {
  const arrived: URL[] = [];
  const waiters: ((url: URL) => void)[] = [];
  const server = await serveOnLoopback(async (request) => {
    const url = new URL(request.url);
    // Chromium also asks for /favicon.ico.
    if (url.pathname !== path) return new Response("not found", { status: 404 });
    const waiter = waiters.shift();
    if (waiter) waiter(url);
    else arrived.push(url);
    return new Response("Signed in; you can close this window.", { headers: { "Content-Type": "text/plain" } });
  });
  return {
    server,
    redirectUri: `${server.url}${path}`,
    next(timeoutMs = 30_000) {
      const ready = arrived.shift();
      if (ready) return Promise.resolve(ready);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`No redirect to ${path} within ${timeoutMs} ms`)), timeoutMs);
        waiters.push((url) => {
          clearTimeout(timer);
          resolve(url);
        });
      });
    }
  };
}

/** Opens an authorization URL, types `secret` into the consent page and presses Allow or Deny. */
export async function decideInBrowser(
  page: Page,
  authorizationUrl: string,
  decision: "Allow" | "Deny",
  secret = ""
): Promise<void> {
  await page.goto(authorizationUrl);
  if ((await page.locator("form").count()) === 0) {
    throw new Error(`No consent form at ${page.url()}: ${(await page.locator("body").textContent())?.trim()}`);
  }
  if (secret) await page.getByLabel("Server secret").fill(secret);
  await page.getByRole("button", { name: decision, exact: true }).click();
}
