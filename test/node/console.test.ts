/**
 * The console end to end: the real server (as `npm run dev` runs it) with the
 * fake Gemini, driven in headless Chromium like a person would: sign in;
 * see the tools' validation messages; start a transcript and watch its bar
 * go through the stages live, without a reload; open it; download its SRT
 * and parse it; cancel another analysis; sign out. The page makes no request
 * to any other origin and breaks no rule of its Content-Security-Policy.
 * Screenshots go to test-results/.
 */
import { readFileSync } from "node:fs";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import SrtParser from "srt-parser-2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, screenshotPath } from "./support/browser";
import { startStack, type Stack } from "./support/stack";

const MiB = 1024 * 1024;
const TRANSCRIPT = {
  language: "en",
  segments: [
    { start: "00:00", speaker: "Ada", text: "Welcome to the workshop." },
    { start: "00:07", speaker: "Grace", text: "Today we build a compiler." },
    { start: "00:15", speaker: "Ada", text: "Let's begin." }
  ]
};

let stack: Stack;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const foreignRequests: string[] = [];
const pageProblems: string[] = [];

beforeAll(async () => {
  stack = await startStack();
  browser = await launchChromium();
  context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1100, height: 900 } });
  page = await context.newPage();
  const origin = new URL(stack.server.baseUrl).origin;
  page.on("request", (request) => {
    if (new URL(request.url()).origin !== origin) foreignRequests.push(request.url());
  });
  page.on("console", (message) => {
    // Refusals the test asks for (a wrong secret, an invalid form, signed out) are logged as failed loads.
    if (message.type() === "error" && !/^Failed to load resource: .* status of 4\d\d/.test(message.text())) {
      pageProblems.push(message.text());
    }
  });
  page.on("pageerror", (error) => pageProblems.push(error.message));
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** How long an analysis may take to reach its state on a machine busy with the rest of the suite. */
const STATE_TIMEOUT_MS = 45_000;

/** Waits for a list item's state; a wait that runs out says where the item stands and what it shows. */
async function reachesState(entry: Locator, state: string): Promise<void> {
  let last = "";
  for (const deadline = Date.now() + STATE_TIMEOUT_MS; Date.now() < deadline; ) {
    last = `${await entry.getAttribute("data-state")}: ${(await entry.textContent())?.replace(/\s+/g, " ").trim()}`;
    if (last.startsWith(`${state}:`)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`The analysis did not become ${state} within ${STATE_TIMEOUT_MS} ms; it stands at ${last}`);
}

/** The list item of the analysis of `videoUrl`. */
const entryOf = (videoUrl: string) => page.locator("li.entry", { has: page.getByRole("link", { name: videoUrl, exact: true }) });

describe("the console in Chromium", () => {
  it("signs in, starts, watches, opens, downloads, cancels and signs out", async () => {
    await page.goto(`${stack.server.baseUrl}/`);
    await page.getByLabel("Server secret").fill("0".repeat(64));
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("That is not this server's secret");
    // The throttle holds the next attempt for a second, as on the consent page.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await page.getByLabel("Server secret").fill(stack.server.secret);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Analyses", level: 1 }).waitFor();
    const cookies = await context.cookies();
    expect(cookies.find((cookie) => cookie.name === "console")).toMatchObject({ httpOnly: true, sameSite: "Strict" });

    // The tools' own validation messages, next to their fields.
    await page.getByLabel("Video URL").fill("https://www.youtube.com/watch?v=dQw4w9WgXcQ");
    await page.getByLabel("Frames per second").fill("30");
    await page.getByRole("button", { name: "Start" }).click();
    await expect.poll(() => page.locator("#fps-error").textContent()).toBe("fps must be at most 24");
    expect(await page.getByLabel("Frames per second").getAttribute("aria-invalid")).toBe("true");
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe("fps");

    // One analysis that will stay uploading (its host stalls), to cancel later.
    const stalled = stack.videos.add("/stalled-lecture.mp4", { size: 20 * MiB, stallAfterBytes: 10 * MiB });
    await page.getByLabel("Video URL").fill(stalled);
    await page.getByLabel("Frames per second").fill("");
    await page.getByRole("button", { name: "Start" }).click();
    await entryOf(stalled).waitFor();
    // Its first 8 MiB chunk reaches Gemini, then the host stalls.
    await expect
      .poll(() => entryOf(stalled).locator(".stage").textContent(), { timeout: 15_000 })
      .toMatch(/uploading 8\.4 \/ 21\.0 MB/);

    // A transcript whose every stage lasts long enough to be seen.
    const talk = stack.videos.add("/workshop-talk.mp4", { size: 3 * MiB, delayMsPerBlock: 25 });
    stack.gemini.enqueueFiles({ pollsBeforeDone: 1, durationSeconds: 20 });
    const json = JSON.stringify(TRANSCRIPT);
    const pieces = Array.from({ length: 8 }, (_, index) =>
      json.slice((index * json.length) / 8, ((index + 1) * json.length) / 8)
    );
    stack.gemini.enqueue({ kind: "answer", chunks: pieces, chunkDelayMs: 400 });
    await page.evaluate(() => {
      (window as unknown as { stayed: boolean }).stayed = true;
    });
    await page.getByLabel("Video URL").fill(talk);
    await page.getByLabel("What to get").selectOption("transcript");
    await page.getByRole("button", { name: "Start" }).click();
    const entry = entryOf(talk);
    await entry.waitFor();
    await expect.poll(() => page.locator(".notice").textContent()).toBe(`Started: ${talk}. It is at the top of the list.`);

    const seen: { state: string; percent: number; stage: string }[] = [];
    let screenshotTaken = false;
    for (const deadline = Date.now() + 45_000; Date.now() < deadline; ) {
      // One read of the item, so the three never come from different renders.
      const { state, percent, stage } = await entry.evaluate((item) => ({
        state: item.getAttribute("data-state") ?? "",
        percent: (item.querySelector("progress") as HTMLProgressElement).value,
        stage: item.querySelector(".stage")?.textContent ?? ""
      }));
      const last = seen.at(-1);
      if (last?.stage !== stage || last.state !== state) seen.push({ state, percent, stage });
      if (state === "generating" && !screenshotTaken) {
        await page.screenshot({ path: screenshotPath("console-page.png"), fullPage: true });
        await page.locator("section", { has: page.getByRole("heading", { name: /All analyses/ }) }).screenshot({
          path: screenshotPath("console-list.png")
        });
        screenshotTaken = true;
      }
      if (state === "done") break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const states = [...new Set(seen.map((step) => step.state))];
    expect(states, JSON.stringify(seen)).toEqual(expect.arrayContaining(["uploading", "processing", "generating", "done"]));
    expect(seen.some((step) => step.stage.includes("Gemini is processing"))).toBe(true);
    expect(seen.some((step) => /generating: [\d,]+ characters/.test(step.stage))).toBe(true);
    const percents = seen.map((step) => step.percent);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(percents.at(-1)).toBe(100);
    // The bar moves while the answer streams in, not only from stage to stage.
    const generating = seen.filter((step) => step.state === "generating").map((step) => step.percent);
    expect(new Set(generating).size).toBeGreaterThan(1);
    // Live: the same page all along, never reloaded.
    expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);

    // The result.
    await entry.getByRole("link", { name: talk }).click();
    await page.getByRole("heading", { name: "Transcript", level: 2 }).waitFor();
    await expect.poll(() => page.locator("ol.transcript li").count()).toBe(3);
    const firstTime = page.locator("ol.transcript li a").first();
    expect(await firstTime.getAttribute("href")).toBe(`${talk}#t=0`);
    expect(await page.locator("main").textContent()).not.toContain("Loading");
    await expect.poll(() => page.locator("main").textContent()).toContain("Today we build a compiler.");
    await page.screenshot({ path: screenshotPath("console-transcript.png"), fullPage: true });

    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: ".srt" }).click()]);
    expect(download.suggestedFilename()).toMatch(/^transcript-[0-9a-f]{16}\.srt$/);
    const srt = readFileSync((await download.path())!, "utf8");
    const cues = new SrtParser().fromSrt(srt);
    expect(cues.map((cue) => [cue.startSeconds, cue.endSeconds, cue.text])).toEqual([
      [0, 7, "Ada: Welcome to the workshop."],
      [7, 15, "Grace: Today we build a compiler."],
      [15, 20, "Ada: Let's begin."]
    ]);

    // Cancel the stalled one from the list.
    await page.getByRole("link", { name: "← All analyses" }).click();
    await page.getByRole("heading", { name: "Analyses", level: 1 }).waitFor();
    await entryOf(stalled)
      .getByRole("button", { name: `Cancel the analysis of ${stalled}` })
      .click();
    await reachesState(entryOf(stalled), "cancelled");
    await expect.poll(() => entryOf(stalled).locator(".error").textContent()).toBe("Cancelled: cancelled from the console");

    // Readable on a phone: nothing wider than the screen.
    await page.setViewportSize({ width: 375, height: 800 });
    await page.screenshot({ path: screenshotPath("console-phone.png"), fullPage: true });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);

    // Sign out: the page asks for the secret again, and the cookie no longer opens the API.
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("Server secret").waitFor();
    const me = await context.request.get(`${stack.server.baseUrl}/console/api/me`);
    expect(me.status()).toBe(401);

    expect(foreignRequests).toEqual([]);
    expect(pageProblems).toEqual([]);
  }, 120_000);

  it("renders a Markdown answer sanitised, and chapters that link into the YouTube video", async () => {
    const markdown = [
      "## What happens",
      "",
      "A **cat** appears at [00:05](https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=5s).",
      "",
      '<img src="x" onerror="window.pwned = true"> <script>window.pwned = true</script>',
      "",
      "[a trap](javascript:window.pwned=true)"
    ].join("\n");
    const chapters = {
      title: "A song",
      summary: "Someone sings.",
      chapters: [
        { start: "00:00", end: "01:05", title: "Intro", summary: "It begins." },
        { start: "01:05", end: "03:33", title: "Chorus", summary: "The chorus." }
      ]
    };
    stack.gemini.enqueue({ kind: "answer", chunks: [markdown] }, { kind: "answer", chunks: [JSON.stringify(chapters)] });
    await page.setViewportSize({ width: 1100, height: 900 });
    await page.goto(`${stack.server.baseUrl}/`);
    await page.getByLabel("Server secret").fill(stack.server.secret);
    await page.getByRole("button", { name: "Sign in" }).click();

    const answerUrl = "https://www.youtube.com/watch?v=dQw4w9WgXcQ";
    await page.getByLabel("Video URL").fill(answerUrl);
    await page.getByLabel("Prompt").fill("What happens?");
    await page.getByRole("button", { name: "Start" }).click();
    const answer = page.locator("li.entry", { has: page.getByText("Answer ·") }).first();
    await reachesState(answer, "done");
    await answer.getByRole("link", { name: answerUrl }).click();
    await page.locator(".markdown h2", { hasText: "What happens" }).waitFor();
    expect(await page.locator(".markdown strong").textContent()).toBe("cat");
    expect(await page.locator(".markdown a", { hasText: "00:05" }).getAttribute("rel")).toBe("noopener noreferrer");
    expect(await page.locator(".markdown script, .markdown [onerror]").count()).toBe(0);
    expect(await page.locator(".markdown a", { hasText: "a trap" }).getAttribute("href")).toBeNull();
    expect(await page.evaluate(() => (window as unknown as { pwned?: boolean }).pwned)).toBeUndefined();
    await expect.poll(() => page.locator("main").textContent()).toContain("What happens?");

    await page.getByRole("link", { name: "← All analyses" }).click();
    await page.getByLabel("Video URL").fill("https://youtu.be/dQw4w9WgXcQ");
    await page.getByLabel("What to get").selectOption("chapters");
    await page.getByRole("button", { name: "Start" }).click();
    const summary = page.locator("li.entry", { has: page.getByText("Chapters ·") });
    await reachesState(summary, "done");
    await summary.getByRole("link", { name: "https://youtu.be/dQw4w9WgXcQ" }).click();
    await page.getByRole("heading", { name: "A song", level: 2 }).waitFor();
    expect(await page.getByRole("link", { name: "01:05: watch from here" }).getAttribute("href")).toBe(
      "https://youtu.be/dQw4w9WgXcQ?t=65s"
    );
    await page.getByRole("heading", { name: "Tokens" }).waitFor();
    expect(foreignRequests).toEqual([]);
    // Chromium checks the answer's onerror against the CSP as soon as DOMPurify's
    // DOMParser reads it (an inert document, where it could never run) and reports
    // it blocked: the policy is a second wall behind the sanitiser. Nothing else.
    const [blocked, ...others] = pageProblems;
    expect(blocked).toMatch(/^Executing inline event handler violates the following Content Security Policy directive/);
    expect(others).toEqual([]);
  }, 120_000);

  it("renders no form, button or input from an answer, and its CSP lets no form post, to sign-out or cancel", async () => {
    // A page of its own, signed in afresh, so what it logs is this test's alone.
    const owner = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    const tab = await owner.newPage();
    const problems: string[] = [];
    const origin = new URL(stack.server.baseUrl).origin;
    tab.on("request", (request) => {
      if (new URL(request.url()).origin !== origin) problems.push(`request to ${request.url()}`);
    });
    tab.on("console", (message) => {
      if (message.type() === "error" && !/^Failed to load resource: .* status of 4\d\d/.test(message.text())) {
        problems.push(message.text());
      }
    });
    await tab.goto(`${stack.server.baseUrl}/`);
    await tab.getByLabel("Server secret").fill(stack.server.secret);
    await tab.getByRole("button", { name: "Sign in" }).click();
    await tab.getByRole("heading", { name: "Analyses", level: 1 }).waitFor();

    // An analysis the answer will try to cancel: its host stalls, so it stays running.
    const stalled = stack.videos.add("/hostile-target.mp4", { size: 20 * MiB, stallAfterBytes: 10 * MiB });
    await tab.getByLabel("Video URL").fill(stalled);
    await tab.getByRole("button", { name: "Start" }).click();
    const target = tab.locator("li.entry", { has: tab.getByRole("link", { name: stalled, exact: true }) });
    const targetId = (await target.getAttribute("data-id"))!;
    const cancelPath = `/console/api/analyses/${targetId}/cancel`;

    const hostile = [
      "Here is what happens in the video.",
      "",
      '<form method="post" action="/console/api/sign-out"><button>Continue</button></form>',
      "",
      `<form method="post" action="${cancelPath}"><input type="submit" value="Read more"></form>`,
      "",
      '<button formaction="/console/api/sign-out" formmethod="post">Next</button> <select><option>a</option></select> <textarea>t</textarea>',
      "",
      '<details open><summary>More</summary>hidden</details> <iframe src="/console/api/me"></iframe> <object data="/"></object> <embed src="/">',
      "",
      "The end."
    ].join("\n");
    stack.gemini.enqueue({ kind: "answer", chunks: [hostile] });
    const videoUrl = "https://www.youtube.com/watch?v=hostile0001";
    await tab.getByLabel("Video URL").fill(videoUrl);
    await tab.getByLabel("Prompt").fill("What happens?");
    await tab.getByRole("button", { name: "Start" }).click();
    const answer = tab.locator("li.entry", { has: tab.getByRole("link", { name: videoUrl, exact: true }) });
    await reachesState(answer, "done");
    await answer.getByRole("link", { name: videoUrl }).click();
    await tab.locator(".markdown p", { hasText: "The end." }).waitFor();
    expect(await tab.locator(".markdown").textContent()).toContain("Here is what happens in the video.");
    const active = ".markdown :is(form, input, button, select, option, textarea, details, summary, iframe, object, embed)";
    expect(await tab.locator(active).count()).toBe(0);

    // Even a form that got into the page some other way posts nowhere: the CSP's form-action.
    for (const action of [cancelPath, "/console/api/sign-out"]) {
      const blocked = await tab.evaluate(
        (formAction) =>
          new Promise<string>((resolve) => {
            document.addEventListener("securitypolicyviolation", (event) => resolve(event.effectiveDirective), {
              once: true
            });
            const form = document.createElement("form");
            form.method = "post";
            form.action = formAction;
            document.body.append(form);
            form.requestSubmit();
            setTimeout(() => resolve("posted"), 3000);
          }),
        action
      );
      expect(blocked, action).toBe("form-action");
    }
    expect((await owner.request.get(`${stack.server.baseUrl}/console/api/me`)).status()).toBe(200);
    const record = await owner.request.get(`${stack.server.baseUrl}/console/api/analyses/${targetId}`);
    expect(((await record.json()) as { state: string }).state).not.toBe("cancelled");

    // The console's own buttons still act: cancel the target, then sign out. (A fresh
    // load: Playwright would wait for the blocked posts' navigations to finish.)
    await tab.goto(`${stack.server.baseUrl}/`);
    await target.getByRole("button", { name: `Cancel the analysis of ${stalled}` }).click();
    await reachesState(target, "cancelled");
    await tab.getByRole("button", { name: "Sign out" }).click();
    await tab.getByLabel("Server secret").waitFor();
    expect((await owner.request.get(`${stack.server.baseUrl}/console/api/me`)).status()).toBe(401);
    // The only complaints are the two blocked posts.
    expect(problems.length, problems.join("\n")).toBe(2);
    for (const problem of problems)
      expect(problem).toMatch(/violates the following Content Security Policy directive: "form-action 'none'"/);
    await owner.close();
  }, 120_000);

  it("keeps the next video typed while the last start is on its way, and clears only what was sent", async () => {
    const owner = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    const tab = await owner.newPage();
    await tab.goto(`${stack.server.baseUrl}/`);
    await tab.getByLabel("Server secret").fill(stack.server.secret);
    await tab.getByRole("button", { name: "Sign in" }).click();
    await tab.getByRole("heading", { name: "Analyses", level: 1 }).waitFor();
    // The start's answer is held back until the next video has been typed.
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await tab.route("**/console/api/analyses", async (route) => {
      if (route.request().method() !== "POST") return route.continue();
      const response = await route.fetch();
      await held;
      await route.fulfill({ response });
    });
    stack.gemini.enqueue({ kind: "answer", chunks: ["First."] });
    const first = "https://www.youtube.com/watch?v=typedahead1";
    await tab.getByLabel("Video URL").fill(first);
    await tab.getByLabel("Prompt").fill("What happens first?");
    await tab.getByRole("button", { name: "Start" }).click();
    await tab.locator("li.entry", { has: tab.getByRole("link", { name: first, exact: true }) }).waitFor();
    const next = "https://www.youtube.com/watch?v=typedahead2";
    await tab.getByLabel("Video URL").fill(next);
    release();
    await tab
      .getByRole("status")
      .filter({ hasText: `Started: ${first}` })
      .waitFor();
    expect(await tab.getByLabel("Video URL").inputValue()).toBe(next);
    expect(await tab.getByLabel("Prompt").inputValue()).toBe("");
    await owner.close();
  }, 120_000);
});
