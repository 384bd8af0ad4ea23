/**
 * The console's library in headless Chromium, against the real server (as
 * `npm run dev` runs it) with the fake Gemini: two finished transcripts are
 * searched from the library page (an English phrase, then a two-character
 * Japanese word), a hit's time opens the analysis at that passage, and
 * deleting an analysis and then a video takes them out of the search.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, screenshotPath } from "./support/browser";
import { startStack, type Stack } from "./support/stack";

let stack: Stack;
let browser: Browser;
let page: Page;
const pageProblems: string[] = [];

/** A transcript finished through session-less `/rpc`, as any client would make one. */
async function transcribe(videoUrl: string, segments: { start: string; speaker: string; text: string }[]): Promise<string> {
  stack.gemini.enqueue({ kind: "answer", chunks: [JSON.stringify({ language: "en", segments })] });
  const response = await fetch(`${stack.server.baseUrl}/rpc`, {
    method: "POST",
    headers: { Authorization: `Bearer ${stack.server.secret}`, "Content-Type": "application/json" },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "transcribeVideo", arguments: { videoUrl } }
    })
  });
  const body = (await response.json()) as { result: { structuredContent: { jobId: string }; isError?: boolean } };
  expect(body.result.isError).toBeUndefined();
  return body.result.structuredContent.jobId;
}

beforeAll(async () => {
  stack = await startStack();
  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 1100, height: 900 } })).newPage();
  page.on("pageerror", (error) => pageProblems.push(error.message));
  page.on("dialog", (dialog) => void dialog.accept());
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

async function search(query: string): Promise<void> {
  await page.getByLabel(/Words or a "quoted phrase"/).fill(query);
  await page.getByRole("button", { name: "Search", exact: true }).click();
}

describe("the console's library in Chromium", () => {
  it("searches, opens a hit at its time, and deletes an analysis and a video", async () => {
    const lecture = stack.videos.add("/lecture.mp4", { size: 1024 * 1024 });
    const meeting = "https://www.youtube.com/watch?v=dQw4w9WgXcQ";
    const lectureId = await transcribe(lecture, [
      { start: "00:02", speaker: "Ada", text: "Welcome to the lecture." },
      { start: "01:05", speaker: "Ada", text: "The migration plan moves every table in May." },
      { start: "02:10", speaker: "Grace", text: "明日の会議で決めます。" }
    ]);
    await transcribe(meeting, [{ start: "12:30", speaker: "Ben", text: "Our migration plan slipped to June." }]);

    await page.goto(`${stack.server.baseUrl}/#/library`);
    await page.getByLabel("Server secret").fill(stack.server.secret);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Library", level: 1 }).waitFor();
    await expect.poll(() => page.locator("li.video-group").count(), { timeout: 15_000 }).toBe(2);

    await search('"migration plan"');
    await expect.poll(() => page.locator("#search-status").textContent()).toBe("2 passages found.");
    const marks = await page.locator("ol.hits mark").allTextContents();
    expect(marks.map((mark) => mark.toLowerCase())).toEqual(["migration plan", "migration plan"]);
    const youTubeTime = page.locator("ol.hits li", { hasText: "slipped" }).locator("a.time");
    expect(await youTubeTime.getAttribute("href")).toBe("https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=750s");
    expect(await youTubeTime.textContent()).toBe("12:30");
    await page.screenshot({ path: screenshotPath("console-library-search.png"), fullPage: true });

    await search("会議");
    await expect.poll(() => page.locator("#search-status").textContent()).toBe("1 passage found.");
    const hit = page.locator("ol.hits li").first();
    expect(await hit.locator("mark").textContent()).toMatch(/^会議/);
    const lectureTime = hit.locator("a.time");
    expect(await lectureTime.getAttribute("href")).toBe(`#/library/${lectureId}?t=130`);

    // The hit's time opens the analysis with that passage marked, and its own time opens the file there.
    await lectureTime.click();
    await page.getByRole("heading", { name: "Transcript", level: 2 }).waitFor();
    await expect.poll(() => page.locator("ol.passages li.current").textContent()).toContain("明日の会議で決めます。");
    expect(await page.locator("ol.passages li.current a.time").getAttribute("href")).toBe(`${lecture}#t=130`);

    // Delete this analysis: the search no longer finds it.
    await page.getByRole("button", { name: "Delete from the library" }).click();
    await page.getByRole("heading", { name: "Library", level: 1 }).waitFor();
    await search("会議");
    await expect.poll(() => page.locator("#search-status").textContent()).toBe("Nothing found.");

    // Delete everything about the YouTube video.
    await expect.poll(() => page.locator("li.video-group").count()).toBe(1);
    await page.getByRole("button", { name: `Delete everything about ${meeting}` }).click();
    await expect.poll(() => page.locator(".notice").textContent()).toBe(`Deleted 1 analysis of ${meeting}.`);
    await expect.poll(() => page.getByText("The library is empty.").count()).toBe(1);
    await search("migration");
    await expect.poll(() => page.locator("#search-status").textContent()).toBe("Nothing found.");
    expect(pageProblems).toEqual([]);
  }, 120_000);
});
