/**
 * Uploads from a browser, end to end: the real server (as `npm run dev` runs
 * it) with the fake Gemini, driven in headless Chromium.
 *
 * - The one-time page, opened from `createVideoUpload`'s link in a browser
 *   that has neither the secret nor the console's cookie: the file goes, the
 *   page says it is done, and the link takes no second file; a link for
 *   another upload, and one past its expiry, are refused.
 * - The console: a 40 MB generated video dropped on the start form, its bar
 *   moving live (the browser's uplink throttled so it can be seen), the page
 *   reloaded mid-upload and the same file dropped again carrying on from the
 *   server's offset, then the analysis done; a file picked, paused and
 *   resumed.
 *
 * The bytes Gemini got are compared with the file (CRC-32), and no page makes
 * a request to another origin or breaks its Content-Security-Policy.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Crc32 } from "../support/crc32";
import type { FakeUpload } from "../support/fake-gemini";
import { launchChromium, screenshotPath } from "./support/browser";
import { startStack, type Stack } from "./support/stack";

const MB = 1_000_000;
const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

/**
 * A video-looking file of `size` bytes: `ftyp` at offset 4 (what the server
 * sniffs), then a pseudo-random stream. Plain JavaScript, so the same
 * function also runs inside the page.
 */
function generatedVideo(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  let state = 0x2545f491;
  for (let i = 0; i < size; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    bytes[i] = state >>> 24;
  }
  bytes.set([0x66, 0x74, 0x79, 0x70, 0x69, 0x73, 0x6f, 0x6d], 4);
  return bytes;
}

const crcOf = (bytes: Uint8Array) => new Crc32().update(bytes).digest();

let stack: Stack;
let browser: Browser;
let files: string;

interface Watched {
  page: Page;
  context: BrowserContext;
  /** Requests to another origin, console errors (but refusals' failed loads) and page errors. */
  problems: string[];
  /** The `Upload-Offset` of every PATCH the page sent, in order. */
  patchOffsets: number[];
  /** Every tus request the page sent: "HEAD /uploads/<id>". */
  tusRequests: string[];
  /** `Referer` headers the page's requests carried. */
  referers: string[];
}

async function watchedPage(options: { uplinkBytesPerSecond?: number } = {}): Promise<Watched> {
  const context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
  const page = await context.newPage();
  const origin = new URL(stack.server.baseUrl).origin;
  const watched: Watched = { page, context, problems: [], patchOffsets: [], tusRequests: [], referers: [] };
  page.on("request", (request) => {
    if (new URL(request.url()).origin !== origin) watched.problems.push(`request to ${request.url()}`);
    const headers = request.headers();
    if (headers.referer) watched.referers.push(headers.referer);
    const { pathname } = new URL(request.url());
    if (pathname.startsWith("/uploads")) watched.tusRequests.push(`${request.method()} ${pathname}`);
    if (request.method() === "PATCH") watched.patchOffsets.push(Number(headers["upload-offset"]));
  });
  page.on("console", (message) => {
    if (message.type() === "error" && !/^Failed to load resource: .* status of 4\d\d/.test(message.text())) {
      watched.problems.push(message.text());
    }
  });
  page.on("pageerror", (error) => watched.problems.push(error.message));
  if (options.uplinkBytesPerSecond) {
    // Loopback is too fast to watch a bar move: Chromium's own throttle slows what the page sends.
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: options.uplinkBytesPerSecond
    });
  }
  return watched;
}

async function createVideoUpload(target: Stack, args: Record<string, unknown>) {
  const client = new Client({ name: "uploads-browser-test", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${target.server.baseUrl}/mcp`), {
      requestInit: { headers: { Authorization: `Bearer ${target.server.secret}` } }
    })
  );
  try {
    const result = await client.callTool({ name: "createVideoUpload", arguments: args });
    expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
    return result.structuredContent as { uploadId: string; uploadPageUrl: string; linkExpiresAt: string };
  } finally {
    await client.close();
  }
}

/** The fake Gemini's upload of the file shown as `displayName`. */
function geminiUpload(target: Stack, displayName: string): FakeUpload | undefined {
  return [...target.gemini.uploads.values()].find((upload) => upload.displayName === displayName);
}

/** Writes a generated video to disk (for a file input) and returns its path and bytes. */
function videoOnDisk(name: string, size: number) {
  const bytes = generatedVideo(size);
  const path = join(files, name);
  writeFileSync(path, bytes);
  return { path, bytes };
}

beforeAll(async () => {
  files = mkdtempSync(join(tmpdir(), "uploads-browser-"));
  stack = await startStack();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  if (files) rmSync(files, { recursive: true, force: true });
});

describe("the one-time upload page", () => {
  it("takes one file without the secret, says it is done, and takes no other", async () => {
    const created = await createVideoUpload(stack, { fileName: "/home/ada/Videos/holiday.mp4" });
    const { path, bytes } = videoOnDisk("holiday.mp4", 12 * MB);
    const { page, context, problems, referers } = await watchedPage();

    const response = await page.goto(created.uploadPageUrl);
    expect(response?.status()).toBe(200);
    expect(response?.headers()["referrer-policy"]).toBe("no-referrer");
    expect(response?.headers()["content-security-policy"]).toBe(CONSOLE_CSP);
    await page.getByRole("heading", { name: "Upload a video", level: 1 }).waitFor();
    // The capability leaves the address bar (and so any later Referer or history).
    expect(new URL(page.url()).hash).toBe("");
    expect(await context.cookies()).toEqual([]);

    await page.getByLabel("The video file").setInputFiles(path);
    await page.getByRole("heading", { name: "Done" }).waitFor({ timeout: 30_000 });
    expect(await page.locator(".done").textContent()).toContain("holiday.mp4 is uploaded");
    expect(await page.locator(".done").textContent()).toContain("It can start the analysis now");
    const upload = geminiUpload(stack, "holiday.mp4");
    expect(upload?.received).toBe(bytes.length);
    expect(upload?.crc.digest()).toBe(crcOf(bytes));
    await page.screenshot({ path: screenshotPath("upload-page-done.png"), fullPage: true });

    // A reload (the link kept for this tab only) finds the upload complete: no second file.
    await page.reload();
    await page.getByRole("heading", { name: "Done" }).waitFor();
    expect(await page.getByLabel("The video file").count()).toBe(0);
    expect(await page.locator("main").textContent()).toContain("This link takes no other file.");

    // So does the link opened anew in another browser.
    const other = await watchedPage();
    await other.page.goto(created.uploadPageUrl);
    await other.page.getByRole("heading", { name: "Done" }).waitFor();
    expect(await other.page.getByLabel("The video file").count()).toBe(0);

    // Nothing the page sends names the page (its modules' imports name the module, as on the console).
    expect(referers.filter((referer) => referer.includes("/upload/"))).toEqual([]);
    expect(problems).toEqual([]);
    expect(other.problems).toEqual([]);
    await other.context.close();
    await context.close();
  }, 60_000);

  it("refuses a link whose code is for another upload, without sending anything", async () => {
    const first = await createVideoUpload(stack, { fileName: "first.mp4" });
    const second = await createVideoUpload(stack, { fileName: "second.mp4" });
    const { page, context, problems, tusRequests } = await watchedPage();
    const capability = new URL(first.uploadPageUrl).hash;
    await page.goto(`${new URL(second.uploadPageUrl).origin}/upload/${second.uploadId}${capability}`);
    await expect.poll(() => page.getByRole("alert").textContent()).toBe("This link is for another upload.");
    expect(await page.getByLabel("The video file").count()).toBe(0);
    // The page saw it from the link itself and asked nothing.
    expect(tusRequests).toEqual([]);
    // The server says the same to a request that tries it.
    const status = await page.evaluate(
      async ({ uploadId, code }) =>
        (
          await fetch(`/uploads/${uploadId}`, {
            method: "HEAD",
            headers: { "Tus-Resumable": "1.0.0", "Upload-Capability": code }
          })
        ).status,
      { uploadId: second.uploadId, code: decodeURIComponent(capability.slice(1)) }
    );
    expect(status).toBe(403);
    expect(problems).toEqual([]);
    await context.close();
  }, 30_000);

  it("refuses a file once the link has expired", async () => {
    // Uploads that live 4 s: the link lives no longer than its upload.
    const brief = await startStack({ UPLOAD_TTL_SECONDS: "4" });
    try {
      const created = await createVideoUpload(brief, { fileName: "late.mp4" });
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(created.uploadPageUrl);
      await page.getByLabel("The video file").waitFor();
      const { path } = videoOnDisk("late.mp4", 2 * MB);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(created.linkExpiresAt) - Date.now()) + 500));
      await page.getByLabel("The video file").setInputFiles(path);
      await expect
        .poll(() => page.getByRole("alert").textContent(), { timeout: 10_000 })
        .toBe("This upload link has expired; ask for a new one (createVideoUpload).");
      expect(geminiUpload(brief, "late.mp4")?.received ?? 0).toBe(0);
      // Opened again, the page says so before sending anything.
      await page.reload();
      await expect
        .poll(() => page.getByRole("alert").textContent())
        .toMatch(/^This link expired at .*\. Ask Claude for a new one\.$/);
      await context.close();
    } finally {
      await brief.stop();
    }
  }, 60_000);
});
