/**
 * The console lists an upload no analysis names, from any client, with a
 * live bar: the real server with the fake Gemini, the console in headless
 * Chromium, the upload sent with plain tus requests from here (as a shell's
 * command would).
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, screenshotPath } from "./support/browser";
import { startStack, type Stack } from "./support/stack";

const MiB = 1024 * 1024;
const TUS = { "Tus-Resumable": "1.0.0" };

let stack: Stack;
let browser: Browser;

beforeAll(async () => {
  stack = await startStack();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** A video-looking file: `ftyp` at offset 4 (what the server sniffs), then zeros. */
function videoBytes(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  bytes.set([0x66, 0x74, 0x79, 0x70, 0x69, 0x73, 0x6f, 0x6d], 4);
  return bytes;
}

function tus(
  path: string,
  method: string,
  headers: Record<string, string> = {},
  body: Uint8Array | null = null
): Promise<Response> {
  return fetch(`${stack.server.baseUrl}${path}`, {
    method,
    headers: { Authorization: `Bearer ${stack.server.secret}`, ...TUS, ...headers },
    body: body as BodyInit | null
  });
}

async function signIn(page: Page): Promise<void> {
  await page.goto(`${stack.server.baseUrl}/`);
  await page.getByLabel("Server secret").fill(stack.server.secret);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Analyses", level: 1 }).waitFor();
}

describe("the console's list of uploads", () => {
  it("shows an upload no analysis names with its bar as it goes, and drops it once deleted", async () => {
    const context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(error.message));
    await signIn(page);

    const size = 16 * MiB;
    const created = await tus("/uploads", "POST", {
      "Upload-Length": String(size),
      "Upload-Metadata": `filename ${btoa("screen-capture.mp4")}`
    });
    expect(created.status).toBe(201);
    const path = new URL(created.headers.get("Location")!).pathname;
    const uploadId = path.split("/").pop()!;

    const item = page.locator(`[data-server-upload-id="${uploadId}"]`);
    await item.waitFor({ timeout: 10_000 });
    expect(await page.getByRole("heading", { name: "Uploads in progress" }).count()).toBe(1);
    expect(await item.locator(".upload-name").textContent()).toContain("screen-capture.mp4");
    const bar = item.locator("progress");
    expect(await bar.evaluate((element) => (element as HTMLProgressElement).value)).toBe(0);

    const patched = await tus(
      path,
      "PATCH",
      { "Content-Type": "application/offset+octet-stream", "Upload-Offset": "0" },
      videoBytes(size).subarray(0, 8 * MiB)
    );
    expect(patched.status).toBe(204);
    await expect.poll(() => bar.evaluate((element) => (element as HTMLProgressElement).value), { timeout: 10_000 }).toBe(8 * MiB);
    expect(await item.locator(".stage").textContent()).toMatch(/^50% · 8\.4 MB received · as upload:[0-9a-f]{32}$/);
    await page.screenshot({ path: screenshotPath("console-server-upload.png"), fullPage: true });

    expect((await tus(path, "DELETE")).status).toBe(204);
    await item.waitFor({ state: "detached", timeout: 10_000 });
    expect(await page.getByRole("heading", { name: "Uploads in progress" }).count()).toBe(0);
    expect(problems).toEqual([]);
    await context.close();
  }, 60_000);
});
