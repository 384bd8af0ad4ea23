/**
 * The in-chat viewer in a real MCP Apps host: ext-apps' `AppBridge` in
 * headless Chromium (support/viewer-host/host.ts), its page under claude.ai's
 * frame policy, the SDK v2 client connected to the real server with the fake
 * Gemini, and the viewer in a sandboxed blob: frame under the CSP its
 * resource declares.
 */
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import type { Browser, FrameLocator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GenerateBehavior } from "../support/fake-gemini";
import { launchChromium, screenshotPath } from "./support/browser";
import { type LoopbackServer, serveOnLoopback } from "./support/node-server";
import { startStack, type Stack } from "./support/stack";
import type { HostLog, HostRun } from "./support/viewer-host/host";

const YOUTUBE = "https://www.youtube.com/watch?v=dQw4w9WgXcQ";
const DOCS = join(import.meta.dirname, "..", "..", "docs");
/** claude.ai's frame policy for the page that holds an app. */
const CLAUDE_FRAME_POLICY = "frame-src 'self' blob: data:";

const TRANSCRIPT = {
  language: "en",
  segments: [
    { start: "00:00", speaker: "Ada", text: "Welcome to the workshop." },
    { start: "00:01", speaker: "Ada", text: "Today we build a bird feeder out of a milk carton." },
    { start: "00:02", speaker: "Grace", text: "First, cut a window on each side, two fingers from the bottom." },
    { start: "00:04", speaker: "Ada", text: "Then push a pencil through for a perch." },
    { start: "00:09", speaker: "Grace", text: "Fill it with seeds and hang it up." }
  ]
};

const CHAPTERS = {
  title: "Building a bird feeder",
  summary:
    'Two makers turn a milk carton into a bird feeder: they cut windows, add a **perch** and fill it with seeds. <img src="https://tracker.example/pixel.png" onerror="parent.postMessage(1, \'*\')"><form action="https://tracker.example/"><button>Go</button></form>',
  chapters: [
    { start: "00:00", end: "00:30", title: "Welcome", summary: "What we build." },
    { start: "00:30", end: "01:30", title: "Cutting the windows", summary: "Two fingers from the bottom." },
    { start: "01:30", end: "02:10", title: "The perch", summary: "A pencil through the carton." },
    { start: "02:10", end: "03:00", title: "Seeds", summary: "Fill it and hang it up." }
  ]
};

/** Chapters within the few seconds of the recorded video, so a chapter's start can be sought. */
const FILE_CHAPTERS = {
  title: "A bird feeder in four seconds",
  summary: "The workshop, quickly.",
  chapters: [
    { start: "00:00", end: "00:01", title: "Welcome", summary: "What we build." },
    { start: "00:01", end: "00:03", title: "Cutting the windows", summary: "Two fingers from the bottom." },
    { start: "00:03", end: "00:04", title: "The perch", summary: "A pencil through the carton." }
  ]
};

/** Gemini's JSON in ten pieces, 400 ms apart: a run long enough for the viewer to poll it. */
function slowJson(value: unknown): GenerateBehavior {
  const text = JSON.stringify(value);
  const size = Math.ceil(text.length / 10);
  const chunks = Array.from({ length: 10 }, (_, index) => text.slice(index * size, (index + 1) * size));
  return { kind: "answer", chunks, chunkDelayMs: 400 };
}

let stack: Stack;
let browser: Browser;
let hostPage: LoopbackServer;
let webm: Buffer;

/** A few seconds of real WebM video, recorded from a canvas by Chromium itself. */
async function recordWebm(page: Page): Promise<Buffer> {
  const base64 = await page.evaluate(async () => {
    const canvas = document.createElement("canvas");
    canvas.width = 160;
    canvas.height = 90;
    const context = canvas.getContext("2d")!;
    const recorder = new MediaRecorder(canvas.captureStream(10), { mimeType: "video/webm", videoBitsPerSecond: 40_000 });
    const parts: Blob[] = [];
    recorder.ondataavailable = (event) => parts.push(event.data);
    const stopped = new Promise((resolve) => {
      recorder.onstop = resolve;
    });
    recorder.start();
    for (let frame = 0; frame < 40; frame++) {
      context.fillStyle = `hsl(${frame * 9}, 70%, 50%)`;
      context.fillRect(0, 0, 160, 90);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    recorder.stop();
    await stopped;
    const bytes = new Uint8Array(await new Blob(parts, { type: "video/webm" }).arrayBuffer());
    let binary = "";
    for (const byte of bytes) binary += String.fromCharCode(byte);
    return btoa(binary);
  });
  return Buffer.from(base64, "base64");
}

/** The host page's server, the browser and the recorded video: ready while the real server starts. */
async function startBrowserSide(): Promise<void> {
  const bundle = await build({
    entryPoints: [join(import.meta.dirname, "support", "viewer-host", "host.ts")],
    bundle: true,
    format: "iife",
    platform: "browser",
    target: "es2022",
    write: false,
    logLevel: "silent"
  });
  const script = bundle.outputFiles[0]!.text;
  hostPage = await serveOnLoopback(async (request) => {
    const { pathname } = new URL(request.url);
    if (pathname === "/host.js") return new Response(script, { headers: { "Content-Type": "text/javascript" } });
    if (pathname !== "/") return new Response("not found", { status: 404 });
    return new Response(
      '<!doctype html><meta charset="utf-8"><title>host</title><body style="margin:8px;font-family:sans-serif"><script src="/host.js"></script></body>',
      { headers: { "Content-Type": "text/html", "Content-Security-Policy": CLAUDE_FRAME_POLICY } }
    );
  });
  browser = await launchChromium();
  const recorder = await browser.newPage();
  await recorder.goto(hostPage.url);
  webm = await recordWebm(recorder);
  await recorder.close();
}

beforeAll(async () => {
  // Each kept as it is ready, so that afterAll stops it even when the other fails to start.
  await Promise.all([
    startStack().then((started) => {
      stack = started;
    }),
    startBrowserSide()
  ]);
  expect(webm.length).toBeLessThan(64 * 1024);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await hostPage?.close();
  await stack?.stop();
});

interface Opened {
  page: Page;
  app: FrameLocator;
  /** Every URL the browser asked for, from the host page and the app's frame alike, and those the CSP stopped. */
  requests: { sent(): string[]; blocked(): string[] };
  log(): Promise<HostLog>;
}

async function openHost(run: Omit<HostRun, "serverUrl" | "secret">, viewport = { width: 420, height: 760 }): Promise<Opened> {
  const page = await browser.newPage({ viewport });
  const requests: string[] = [];
  const blocked: string[] = [];
  page.on("request", (request) => requests.push(request.url()));
  // A request the frame's CSP stopped never left the browser: Chromium still reports it, as failed.
  page.on("requestfailed", (request) => {
    if (/BLOCKED_BY_CSP|csp/i.test(request.failure()?.errorText ?? "")) blocked.push(request.url());
  });
  page.on("pageerror", (error) => console.error("host page error:", error));
  page.on("console", (message) => {
    if (message.type() === "error") console.error("browser console:", message.text());
  });
  await page.goto(hostPage.url);
  page
    .evaluate((args) => window.runHost(args), { ...run, serverUrl: stack.server.baseUrl, secret: stack.server.secret })
    .catch(() => {}); // the page closes at the end of the test, the call may still be open
  return {
    page,
    app: page.frameLocator("#app"),
    requests: { sent: () => requests.filter((url) => !blocked.includes(url)), blocked: () => [...blocked] },
    log: () => page.evaluate(() => window.hostLog)
  };
}

/** The progress the viewer shows, sampled every 100 ms until `done` appears (at most 30 s). */
async function sampleProgress(app: FrameLocator, done: string): Promise<string[]> {
  const seen: string[] = [];
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const now = await app
      .locator("body")
      .evaluate((body, selector) => {
        const meter = body.querySelector('[role="progressbar"]');
        const shown = meter
          ? `${meter.getAttribute("aria-valuenow")} ${body.querySelector(".progress p")?.textContent}`
          : undefined;
        return { done: body.querySelector(selector) !== null, shown };
      }, done)
      .catch(() => ({ done: false, shown: undefined }));
    if (now.done) return seen;
    if (now.shown && seen.at(-1) !== now.shown) seen.push(now.shown);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${done} never showed; progress seen: ${seen.join(" | ")}`);
}

function origins(urls: string[]): Set<string> {
  return new Set(urls.filter((url) => /^https?:/.test(url)).map((url) => new URL(url).origin));
}

describe("the viewer in an ext-apps host under claude.ai's frame policy", () => {
  it("a transcript of a file URL: progress moves, lines show and search, a click seeks the video, a moment is asked about", async () => {
    const videoUrl = stack.videos.add("/workshop.webm", { size: webm.length, header: webm, contentType: "video/webm" });
    stack.gemini.enqueue(slowJson(TRANSCRIPT), { kind: "answer", chunks: ["Ada pushes a **pencil** through the carton."] });
    const videoOrigin = new URL(videoUrl).origin;
    const host = await openHost({
      tool: "transcribeVideo",
      args: { videoUrl },
      theme: "light",
      width: 375,
      extraMediaOrigins: []
    });
    const { app, page } = host;
    try {
      const progress = await sampleProgress(app, ".lines li").catch(async (error) => {
        const body = await app
          .locator("body")
          .innerHTML()
          .catch((failure) => String(failure));
        throw new Error(`${error.message}; host: ${JSON.stringify(await host.log())}; frame: ${body.slice(0, 500)}`);
      });
      expect(progress.length, progress.join(" | ")).toBeGreaterThanOrEqual(2);
      const percents = progress.map((shown) => Number.parseInt(shown, 10));
      expect(percents, progress.join(" | ")).toEqual([...percents].sort((a, b) => a - b));
      expect(percents.at(-1), progress.join(" | ")).toBeGreaterThan(0);
      expect((await host.log()).error).toBeUndefined();

      // Inline: the first lines, a search over all of them, at most 500 px and no sideways scroll at 375 px.
      await expect.poll(() => app.locator(".lines li").count()).toBe(3);
      await expect.poll(() => app.locator(".count").textContent()).toBe("5 lines");
      await app.getByPlaceholder("Search the transcript").fill("seeds");
      await expect
        .poll(() => app.locator(".lines li").allTextContents())
        .toEqual([expect.stringContaining("Fill it with seeds and hang it up.")]);
      await app.getByPlaceholder("Search the transcript").fill("");

      // The video plays here, from the server's origin (the only media origin the frame allows): a line seeks it.
      expect((await host.log()).framePolicy).toContain(`media-src ${stack.server.baseUrl};`);
      await expect.poll(() => app.locator("video").evaluate((video: HTMLVideoElement) => video.readyState)).toBeGreaterThan(0);
      const playing = await app.locator("video").evaluate((video: HTMLVideoElement) => video.currentSrc);
      expect(playing.startsWith(`${stack.server.baseUrl}/media?token=`), playing).toBe(true);
      // MediaRecorder writes WebM with no duration and no cues, so nothing is seekable until the player has read it to the end.
      await app.locator("video").evaluate((video: HTMLVideoElement) => {
        video.currentTime = Number.MAX_SAFE_INTEGER;
      });
      await expect
        .poll(() => app.locator("video").evaluate((video: HTMLVideoElement) => Number.isFinite(video.duration)))
        .toBe(true);
      await app.locator(".lines button", { hasText: "First, cut a window" }).click();
      await expect.poll(() => app.locator("video").evaluate((video: HTMLVideoElement) => video.currentTime)).toBe(2);
      expect((await host.log()).openedLinks).toEqual([]);
      await page.screenshot({ path: screenshotPath("viewer-inline-light.png") });

      // Ask about this moment (00:02 to the next line at 00:04, widened to 10 s): the answer shows, and goes to the model.
      await app.getByRole("textbox", { name: "Ask about 00:02–00:12" }).fill("What do they cut?");
      await app.getByRole("textbox", { name: /Ask about/ }).press("Enter");
      await expect.poll(() => app.locator(".asked").textContent(), { timeout: 20_000 }).toContain("Ada pushes a pencil");
      expect(await app.locator(".asked strong").textContent()).toBe("pencil");
      // The clip goes with the video: in the request itself, or in the context cache the follow-up is asked with.
      type Part = { text?: string; videoMetadata?: Record<string, unknown> };
      const partsOf = (body: unknown) =>
        ((body as { contents?: { parts?: Part[] }[] } | undefined)?.contents ?? []).flatMap((content) => content.parts ?? []);
      const question = stack.gemini.generateRequests().at(-1)!;
      const withVideo = [...stack.gemini.requests]
        .reverse()
        .find((request) => request.method === "POST" && partsOf(request.body).some((part) => part.videoMetadata));
      expect(partsOf(withVideo?.body).find((part) => part.videoMetadata)?.videoMetadata).toEqual({
        startOffset: "2s",
        endOffset: "12s"
      });
      expect(partsOf(question.body).map((part) => part.text)).toContain("What do they cut?");
      const log = await host.log();
      expect(log.modelContext).toEqual([expect.stringContaining("Gemini answered: Ada pushes a **pencil** through the carton.")]);
      expect(log.modelContext[0]).toContain("00:02–00:12");

      expect(Math.max(...log.heights)).toBeLessThanOrEqual(500);
      // Everything inline fits (nothing clipped), the question and its answer included.
      expect(await app.locator("#root").evaluate((root) => root.scrollHeight)).toBeLessThanOrEqual(500);
      expect(await app.locator("html").evaluate((root) => root.scrollWidth - root.clientWidth)).toBe(0);
      expect(await app.locator("html").evaluate((root) => root.getBoundingClientRect().height)).toBeLessThanOrEqual(500);
      await page.screenshot({ path: screenshotPath("viewer-ask-light.png") });

      // The full view: the whole transcript, in the dark theme.
      await app.getByRole("button", { name: "Open full view" }).click();
      await expect.poll(() => app.locator(".lines li").count()).toBe(5);
      await page.screenshot({ path: screenshotPath("viewer-fullscreen-light.png") });
      await page.evaluate(() => window.setTheme("dark"));
      await expect.poll(() => app.locator("html").getAttribute("data-theme")).toBe("dark");
      await page.screenshot({ path: screenshotPath("viewer-fullscreen-dark.png") });
      expect((await host.log()).displayModes).toEqual(["fullscreen"]);
      await app.getByRole("textbox", { name: /Ask about/ }).press("Escape");
      await expect.poll(async () => (await host.log()).displayModes).toEqual(["fullscreen", "inline"]);
      await expect.poll(() => app.locator("body").getAttribute("data-mode")).toBe("inline");

      // Nothing but the host page and the server was asked for: the browser never went to the file's own site.
      expect(origins(host.requests.sent())).toEqual(new Set([hostPage.url, stack.server.baseUrl]));
      expect(host.requests.sent().some((url) => url.startsWith(videoOrigin))).toBe(false);
    } finally {
      await page.close();
    }
  });

  it("chapters of a YouTube video: a click opens it at that time outside the chat; nothing is fetched from YouTube", async () => {
    stack.gemini.enqueue(slowJson(CHAPTERS));
    const host = await openHost(
      { tool: "summarizeVideo", args: { videoUrl: YOUTUBE }, theme: "dark", width: 560, extraMediaOrigins: [] },
      { width: 600, height: 600 }
    );
    const { app, page } = host;
    try {
      await sampleProgress(app, ".timeline li");
      await expect.poll(() => app.locator("h1").textContent()).toBe("Building a bird feeder");
      await expect.poll(() => app.locator(".answer strong").textContent()).toBe("perch");
      // Gemini's text is hostile: no handler, no form survives, and the image is never fetched (the frame's CSP).
      expect(await app.locator(".answer img").getAttribute("onerror")).toBeNull();
      expect(await app.locator(".answer form, .answer button").count()).toBe(0);
      expect(await app.locator(".timeline li").allTextContents()).toEqual([
        expect.stringContaining("Welcome"),
        expect.stringContaining("Cutting the windows"),
        expect.stringContaining("The perch"),
        expect.stringContaining("Seeds")
      ]);
      expect(await app.locator("video").count()).toBe(0);
      // By keyboard: the chapter is a button.
      await app.locator(".timeline button", { hasText: "The perch" }).press("Enter");
      await expect.poll(async () => (await host.log()).openedLinks).toEqual([`${YOUTUBE}&t=90s`]);
      await page.screenshot({ path: screenshotPath("viewer-inline-dark.png") });
      expect(Math.max(...(await host.log()).heights)).toBeLessThanOrEqual(500);
      expect(origins(host.requests.sent())).toEqual(new Set([hostPage.url, stack.server.baseUrl]));
      expect(host.requests.blocked()).toEqual(["https://tracker.example/pixel.png"]);
    } finally {
      await page.close();
    }
  });

  it("chapters of a file URL: the video plays from the server's origin alone (media-src), and a chapter seeks it", async () => {
    const videoUrl = stack.videos.add("/chapters.webm", { size: webm.length, header: webm, contentType: "video/webm" });
    stack.gemini.enqueue({ kind: "answer", chunks: [JSON.stringify(FILE_CHAPTERS)] });
    const host = await openHost({
      tool: "summarizeVideo",
      args: { videoUrl },
      theme: "light",
      width: 375,
      extraMediaOrigins: []
    });
    const { app, page } = host;
    const video = app.locator("video");
    try {
      await sampleProgress(app, ".timeline li");
      expect((await host.log()).framePolicy).toContain(`media-src ${stack.server.baseUrl};`);
      await expect.poll(() => video.evaluate((player: HTMLVideoElement) => player.readyState)).toBeGreaterThan(0);
      const playing = await video.evaluate((player: HTMLVideoElement) => player.currentSrc);
      expect(playing.startsWith(`${stack.server.baseUrl}/media?token=`), playing).toBe(true);
      // Over HTTP, as the player gets it: a range with its length said, not chunked.
      const ranged = await fetch(playing, { headers: { Range: "bytes=0-99" } });
      expect(ranged.status).toBe(206);
      expect(ranged.headers.get("Content-Length")).toBe("100");
      expect(ranged.headers.get("Content-Range")).toBe(`bytes 0-99/${webm.length}`);
      expect(Buffer.from(await ranged.arrayBuffer()).equals(webm.subarray(0, 100))).toBe(true);
      // As above: the recorder's WebM becomes seekable once the player has read it to the end.
      await video.evaluate((player: HTMLVideoElement) => {
        player.currentTime = Number.MAX_SAFE_INTEGER;
      });
      await expect.poll(() => video.evaluate((player: HTMLVideoElement) => Number.isFinite(player.duration))).toBe(true);
      // From the end of the video (where it was read to), a chapter's click brings it to the chapter's start.
      await app.locator(".timeline button", { hasText: "The perch" }).click();
      await expect.poll(() => video.evaluate((player: HTMLVideoElement) => player.currentTime)).toBe(3);
      expect((await host.log()).openedLinks).toEqual([]);
      const sent = host.requests.sent();
      expect(origins(sent)).toEqual(new Set([hostPage.url, stack.server.baseUrl]));
      expect(sent.filter((url) => url.startsWith(`${stack.server.baseUrl}/media?token=`)).length).toBeGreaterThan(0);
      expect(host.requests.blocked()).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("a host that drops the declared domains: a file URL's video does not load and a time opens it outside the chat", async () => {
    const videoUrl = stack.videos.add("/strict.webm", { size: webm.length, header: webm, contentType: "video/webm" });
    stack.gemini.enqueue({ kind: "answer", chunks: [JSON.stringify(TRANSCRIPT)] });
    const host = await openHost({
      tool: "transcribeVideo",
      args: { videoUrl },
      theme: "light",
      width: 375,
      extraMediaOrigins: [],
      dropDeclaredDomains: true
    });
    const { app, page } = host;
    try {
      await sampleProgress(app, ".lines li");
      await app.locator(".lines button", { hasText: "First, cut a window" }).click();
      await expect.poll(async () => (await host.log()).openedLinks).toEqual([`${videoUrl}#t=2`]);
      // The tool's own result is whole: a host that renders no app shows all of it.
      const result = (await host.log()).result;
      expect(result?.content[0]).toEqual({ type: "text", text: expect.stringContaining("[00:09] Grace: Fill it with seeds") });
      expect(result?.structuredContent).toMatchObject({ language: "en", segments: TRANSCRIPT.segments, status: "done" });
      expect(host.requests.sent().some((url) => url.startsWith(videoUrl) || url.includes("/media?token="))).toBe(false);
    } finally {
      await page.close();
    }
  });
});

describe("a transcript longer than the client takes (MAX_RESULT_CHARS)", () => {
  it("the result is cut, and the viewer reads the rest page by page through getVideoAnalysis", async () => {
    const segments = Array.from({ length: 400 }, (_, index) => ({
      start: `${String(Math.floor(index / 6)).padStart(2, "0")}:${String((index % 6) * 10).padStart(2, "0")}`,
      speaker: index % 2 ? "Grace" : "Ada",
      text: `Line ${index + 1} of the long workshop, where the makers keep talking about bird feeders.`
    }));
    stack.gemini.enqueue({ kind: "answer", chunks: [JSON.stringify({ language: "en", segments })] });
    const host = await openHost({
      tool: "transcribeVideo",
      args: { videoUrl: YOUTUBE },
      theme: "light",
      width: 375,
      extraMediaOrigins: []
    });
    const { app, page } = host;
    try {
      await sampleProgress(app, ".lines li");
      const structured = (await host.log()).result?.structuredContent as
        | { shortened?: { shown: number; total: number } }
        | undefined;
      const shortened = structured?.shortened;
      expect(shortened?.total).toBe(400);
      expect(shortened?.shown).toBeLessThan(400);
      await expect.poll(() => app.locator(".count").textContent(), { timeout: 20_000 }).toBe("400 lines");
      await app.getByRole("button", { name: "Open full view" }).click();
      await expect.poll(() => app.locator(".lines li").count()).toBe(400);
      await expect.poll(() => app.locator(".lines li").last().textContent()).toContain("Line 400 of the long workshop");
    } finally {
      await page.close();
    }
  });
});

/** With UPDATE_DOCS_SCREENSHOTS=1, the README's pictures become this run's screenshots. */
afterAll(() => {
  if (!process.env.UPDATE_DOCS_SCREENSHOTS) return;
  for (const name of [
    "viewer-ask-light.png",
    "viewer-inline-dark.png",
    "viewer-fullscreen-light.png",
    "viewer-fullscreen-dark.png"
  ]) {
    try {
      copyFileSync(screenshotPath(name), join(DOCS, name));
    } catch {
      // A failed run leaves the committed pictures as they were.
    }
  }
});
