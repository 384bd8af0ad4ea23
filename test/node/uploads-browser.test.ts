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
import { startCuttingProxy } from "./support/cutting-proxy";
import { startStack, type Stack } from "./support/stack";

const MB = 1_000_000;
/** The dropped files' last change (part of the fingerprint a resumed upload is found by). */
const LAST_MODIFIED = Date.UTC(2026, 0, 2, 3, 4, 5);
const TRANSCRIPT = {
  language: "en",
  segments: [
    { start: "00:00", speaker: "Ada", text: "Welcome to the lecture." },
    { start: "00:09", speaker: "Ada", text: "Today: resumable uploads." }
  ]
};
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
  /** Lifts the uplink throttle: once the bar has been watched moving, the rest can go at loopback speed. */
  unthrottle(): Promise<void>;
}

async function watchedPage(options: { uplinkBytesPerSecond?: number; origin?: string } = {}): Promise<Watched> {
  const context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
  const page = await context.newPage();
  const origin = options.origin ?? new URL(stack.server.baseUrl).origin;
  const watched: Watched = {
    page,
    context,
    problems: [],
    patchOffsets: [],
    tusRequests: [],
    referers: [],
    unthrottle: async () => {}
  };
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
    watched.unthrottle = async () => {
      await cdp.send("Network.emulateNetworkConditions", {
        offline: false,
        latency: 0,
        downloadThroughput: -1,
        uploadThroughput: -1
      });
    };
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
    // Readable on a phone, where such a link is often opened: nothing wider than the screen.
    await page.setViewportSize({ width: 375, height: 800 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);

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

  it("carries on from the server's offset after a reload mid-upload", async () => {
    const created = await createVideoUpload(stack, { fileName: "talk.mp4" });
    const { path, bytes } = videoOnDisk("talk.mp4", 20 * MB);
    const watched = await watchedPage({ uplinkBytesPerSecond: 6 * MB });
    const { page, context } = watched;
    await page.goto(created.uploadPageUrl);
    await page.getByLabel("The video file").setInputFiles(path);
    const before = await watchBar(page, (value) => value >= 12 * MB, 30_000);
    expect(before.length, JSON.stringify(before)).toBeGreaterThanOrEqual(4);
    expect(before).toEqual([...before].sort((a, b) => a - b));

    await page.reload();
    await watched.unthrottle();
    const partly = page.locator(".notice");
    await expect
      .poll(() => partly.textContent())
      .toMatch(/^talk\.mp4 is partly uploaded \(\d+ %, [\d.]+ MB\): choose the same file/);
    watched.patchOffsets.length = 0;
    await page.getByLabel("The video file").setInputFiles(path);
    await page.getByRole("heading", { name: "Done" }).waitFor({ timeout: 30_000 });
    const resumedFrom = watched.patchOffsets[0]!;
    expect(resumedFrom).toBeGreaterThan(0);
    expect(resumedFrom % (8 * 1024 * 1024)).toBe(0);
    expect(await page.locator(".resumed").textContent()).toBe(
      `Carried on from ${(resumedFrom / MB).toFixed(1)} MB: the server already had that much.`
    );
    const upload = geminiUpload(stack, "talk.mp4");
    expect(upload?.received).toBe(bytes.length);
    expect(upload?.sent).toBe(bytes.length);
    expect(upload?.crc.digest()).toBe(crcOf(bytes));
    expect(watched.problems).toEqual([]);
    await context.close();
  }, 60_000);

  it("carries on by itself from the server's offset when the connection is lost", async () => {
    const created = await createVideoUpload(stack, { fileName: "train.mp4" });
    const { path, bytes } = videoOnDisk("train.mp4", 20 * MB);
    const proxy = await startCuttingProxy(stack.server.baseUrl);
    try {
      const watched = await watchedPage({ uplinkBytesPerSecond: 6 * MB, origin: proxy.url });
      const { page, context } = watched;
      const link = new URL(created.uploadPageUrl);
      await page.goto(`${proxy.url}${link.pathname}${link.hash}`);
      await page.getByLabel("The video file").setInputFiles(path);
      await watchBar(page, (value) => value >= 12 * MB, 30_000);
      // The connection is lost mid-PATCH: tus-js-client asks the server where its copy ends and goes on from there.
      proxy.cut();
      await watched.unthrottle();
      await page.getByRole("heading", { name: "Done" }).waitFor({ timeout: 30_000 });
      expect(watched.patchOffsets.length).toBe(2);
      expect(watched.patchOffsets[1]).toBeGreaterThan(0);
      const received = geminiUpload(stack, "train.mp4");
      expect(received?.received).toBe(bytes.length);
      expect(received?.sent).toBe(bytes.length);
      expect(received?.crc.digest()).toBe(crcOf(bytes));
      // The failed load of the cut request, and nothing else.
      expect(watched.problems.filter((problem) => !problem.includes("net::ERR_"))).toEqual([]);
      await context.close();
    } finally {
      await proxy.close();
    }
  }, 60_000);

  it("waits while the browser is offline and carries on by itself when the network is back", async () => {
    const created = await createVideoUpload(stack, { fileName: "offline.mp4" });
    const { path, bytes } = videoOnDisk("offline.mp4", 3 * MB);
    const watched = await watchedPage();
    const { page, context } = watched;
    await page.goto(created.uploadPageUrl);
    await page.getByLabel("The video file").waitFor();
    const cdp = await context.newCDPSession(page);
    const network = (offline: boolean) =>
      cdp.send("Network.emulateNetworkConditions", { offline, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await cdp.send("Network.enable");
    await network(true);
    await page.getByLabel("The video file").setInputFiles(path);
    const upload = page.locator(".upload");
    await expect.poll(() => upload.getAttribute("data-status"), { timeout: 15_000 }).toBe("interrupted");
    expect(await upload.locator(".error").textContent()).toBe("This computer is offline.");
    await network(false);
    await page.getByRole("heading", { name: "Done" }).waitFor({ timeout: 15_000 });
    expect(geminiUpload(stack, "offline.mp4")?.crc.digest()).toBe(crcOf(bytes));
    expect(watched.problems.filter((problem) => !problem.includes("net::ERR_INTERNET_DISCONNECTED"))).toEqual([]);
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
      { uploadId: second.uploadId, code: capability.slice(1) }
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

/** Drops a generated video of `size` bytes on the page's drop zone, as a person drags a file from their desktop. */
async function dropVideo(page: Page, name: string, size: number): Promise<void> {
  const dataTransfer = await page.evaluateHandle(`(() => {
    const bytes = (${generatedVideo.toString()})(${size});
    const transfer = new DataTransfer();
    transfer.items.add(new File([bytes], ${JSON.stringify(name)}, { type: "video/mp4", lastModified: ${LAST_MODIFIED} }));
    return transfer;
  })()`);
  await page.locator(".dropzone").dispatchEvent("drop", { dataTransfer });
}

async function signIn(page: Page): Promise<void> {
  await page.goto(`${stack.server.baseUrl}/`);
  await page.getByLabel("Server secret").fill(stack.server.secret);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Analyses", level: 1 }).waitFor();
}

/** The bar's values, sampled until `until(value)` or the deadline. */
async function watchBar(page: Page, until: (value: number) => boolean, timeoutMs: number): Promise<number[]> {
  const bar = page.locator(".upload progress").first();
  const seen: number[] = [];
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
    const value = await bar.evaluate((element) => (element as HTMLProgressElement).value).catch(() => undefined);
    if (value !== undefined && seen.at(-1) !== value) seen.push(value);
    if (value !== undefined && until(value)) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return seen;
}

describe("the console's drop zone", () => {
  it("drops a 40 MB video: the bar moves live, a reload mid-upload carries on from the server's offset, the analysis finishes", async () => {
    const size = 40 * MB;
    const watched = await watchedPage({ uplinkBytesPerSecond: 6 * MB });
    const { page, context } = watched;
    await signIn(page);
    stack.gemini.enqueueFiles({ pollsBeforeDone: 1, durationSeconds: 20 });
    stack.gemini.enqueue({ kind: "answer", chunks: [JSON.stringify(TRANSCRIPT)] });

    await dropVideo(page, "lecture.mp4", size);
    await expect.poll(() => page.locator(".chosen").textContent()).toContain("Chosen: lecture.mp4 · 40.0 MB");
    await page.getByLabel("What to get").selectOption("transcript");
    await page.getByRole("button", { name: "Start" }).click();
    await expect
      .poll(() => page.locator(".notice").textContent())
      .toBe("Started: lecture.mp4, uploading. Its analysis is at the top of the list.");

    // The bar moves while the bytes go, not only at the end.
    const before = await watchBar(page, (value) => value >= size / 2, 30_000);
    expect(before.length, JSON.stringify(before)).toBeGreaterThanOrEqual(4);
    expect(before).toEqual([...before].sort((a, b) => a - b));
    expect(before.at(-1)).toBeLessThan(size);
    const upload = page.locator(".uploads .upload").first();
    const uploadId = (await upload.getAttribute("data-upload-id"))!;
    expect(uploadId).toMatch(/^[0-9a-f]{32}$/);
    const entry = page.locator("li.entry", { has: page.getByRole("link", { name: `upload:${uploadId}`, exact: true }) });
    await expect.poll(() => entry.locator(".meta").textContent()).toMatch(/^Transcript of lecture\.mp4 · started/);
    await expect.poll(() => entry.locator(".stage").textContent()).toMatch(/waiting for the upload/);
    await page.screenshot({ path: screenshotPath("console-upload.png"), fullPage: true });

    // A reload cuts the upload mid-way.
    await page.reload();
    await watched.unthrottle();
    await page.getByRole("heading", { name: "Analyses", level: 1 }).waitFor();
    await expect.poll(() => page.locator(".unfinished").textContent()).toContain("lecture.mp4 · 40.0 MB");
    // The list still names the file: the console asks the server for the upload's name.
    await expect.poll(() => entry.locator(".meta").textContent()).toMatch(/^Transcript of lecture\.mp4 · started/);
    const head = await context.request.head(`${stack.server.baseUrl}/uploads/${uploadId}`, {
      headers: { "Tus-Resumable": "1.0.0" }
    });
    expect(head.status()).toBe(200);
    const held = Number(head.headers()["upload-offset"]);
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThan(size);

    // The same file again carries on from there, into the analysis already waiting for it.
    watched.patchOffsets.length = 0;
    await dropVideo(page, "lecture.mp4", size);
    await expect
      .poll(() => page.locator(".resumed").textContent())
      .toBe(`Carried on from ${(held / MB).toFixed(1)} MB: the server already had that much.`);
    expect(watched.patchOffsets[0]).toBe(held);
    const after = await watchBar(page, (value) => value === size, 30_000);
    expect(after.at(-1)).toBe(size);
    await expect.poll(() => entry.getAttribute("data-state"), { timeout: 30_000 }).toBe("done");
    expect(await page.locator("li.entry", { hasText: "lecture.mp4" }).count()).toBe(1);
    expect(await page.locator(".unfinished").count()).toBe(0);

    // Gemini got the file once, whole: no byte sent twice.
    const received = geminiUpload(stack, "lecture.mp4");
    expect(received?.received).toBe(size);
    expect(received?.sent).toBe(size);
    expect(received?.crc.digest()).toBe(crcOf(generatedVideo(size)));

    await entry.getByRole("link", { name: `upload:${uploadId}` }).click();
    await expect.poll(() => page.locator("main").textContent()).toContain("Today: resumable uploads.");
    expect(watched.problems).toEqual([]);
    await context.close();
  }, 120_000);

  it("picks a file, pauses and resumes it, and its analysis finishes", async () => {
    const { path, bytes } = videoOnDisk("interview.mp4", 24 * MB);
    const watched = await watchedPage({ uplinkBytesPerSecond: 6 * MB });
    const { page, context } = watched;
    await signIn(page);
    stack.gemini.enqueue({ kind: "answer", chunks: ["A calm interview about gardens."] });

    await page.getByLabel("Or a video file from this computer").setInputFiles(path);
    await page.getByLabel("Prompt").fill("What is it about?");
    await page.getByRole("button", { name: "Start" }).click();
    await watchBar(page, (value) => value >= bytes.length / 2, 30_000);
    await page.getByRole("button", { name: "Pause" }).click();
    const upload = page.locator(".uploads .upload").first();
    await expect.poll(() => upload.getAttribute("data-status")).toBe("paused");
    const paused = await page
      .locator(".uploads progress")
      .first()
      .evaluate((element) => (element as HTMLProgressElement).value);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(
      await page
        .locator(".uploads progress")
        .first()
        .evaluate((element) => (element as HTMLProgressElement).value)
    ).toBe(paused);

    await watched.unthrottle();
    await page.getByRole("button", { name: "Resume" }).click();
    await expect.poll(() => upload.getAttribute("data-status"), { timeout: 30_000 }).toBe("done");
    const uploadId = (await upload.getAttribute("data-upload-id"))!;
    const entry = page.locator("li.entry", { has: page.getByRole("link", { name: `upload:${uploadId}`, exact: true }) });
    await expect.poll(() => entry.getAttribute("data-state"), { timeout: 30_000 }).toBe("done");
    // Resumed from what the server acknowledged (whole 8 MiB chunks of Gemini's), not from the start.
    expect(watched.patchOffsets.length).toBe(2);
    expect(watched.patchOffsets[1]).toBeGreaterThan(0);
    expect(watched.patchOffsets[1]! % (8 * 1024 * 1024)).toBe(0);
    expect(geminiUpload(stack, "interview.mp4")?.crc.digest()).toBe(crcOf(bytes));
    expect(watched.problems).toEqual([]);
    await context.close();
  }, 90_000);
});
