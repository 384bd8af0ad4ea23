/**
 * The deployment's cost settings on the real server (as `npm run dev` runs
 * it) with the fake Gemini: GEMINI_PRICES pricing a model the built-in table
 * does not list, MAX_COST_USD_PER_ANALYSIS and MAX_COST_USD_PER_DAY each
 * refusing before anything is uploaded (the fake Gemini counts no upload
 * request), and the console showing today's spend and an analysis's estimate
 * and cost in headless Chromium.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, screenshotPath } from "./support/browser";
import { startStack, type Stack } from "./support/stack";

const MiB = 1024 * 1024;
const YOUTUBE = "https://www.youtube.com/watch?v=dQw4w9WgXcQ";
/** The stack's model, priced by GEMINI_PRICES alone (the built-in table does not list it); it counts at Gemini 2.5's rates. */
const PRICES = {
  "gemini-e2e": { inputPerMillion: 0.5, cachedInputPerMillion: 0.05, outputPerMillion: 0.5, cacheStoragePerMillionPerHour: 1 }
};

let stack: Stack;
let browser: Browser | undefined;

beforeAll(async () => {
  stack = await startStack({
    GEMINI_PRICES: JSON.stringify(PRICES),
    MAX_COST_USD_PER_ANALYSIS: "0.05",
    MAX_COST_USD_PER_DAY: "0.075"
  });
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

interface ToolResult {
  content: { text: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

let nextId = 1;
async function callTool(name: string, args: Record<string, unknown>): Promise<ToolResult> {
  const response = await fetch(`${stack.server.baseUrl}/rpc`, {
    method: "POST",
    headers: { Authorization: `Bearer ${stack.server.secret}`, "Content-Type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: nextId++, method: "tools/call", params: { name, arguments: args } })
  });
  const body = (await response.json()) as { result: ToolResult };
  return body.result;
}

/** Dollars as the console shows them: cents, or two significant figures below a cent. */
const shown = (usd: number) => (usd >= 0.01 ? `$${usd.toFixed(2)}` : `$${Number(usd.toPrecision(2))}`);

const uploadRequests = () => stack.gemini.requests.filter((request) => request.path.startsWith("/upload/"));

function snapshot(result: ToolResult): { jobId: string; status: string; costUsd?: number } {
  return result.structuredContent as { jobId: string; status: string; costUsd?: number };
}

describe("the deployment's prices and caps", () => {
  /** What each analysis that ran cost, in order. */
  const costs: number[] = [];
  const spent = () => costs.reduce((sum, cost) => sum + cost, 0);

  it("refuses a clip over MAX_COST_USD_PER_ANALYSIS before anything is uploaded", async () => {
    const videoUrl = stack.videos.add("/ten-minutes.mp4", { size: MiB });
    const result = await callTool("analyzeRemoteVideo", { videoUrl, prompt: "Q?", endOffset: 600 });
    expect(result.isError).toBe(true);
    // 600 s x (258 + 32) tokens + 1 at $0.50/M, and 8,192 output tokens at $0.50/M.
    expect(result.content[0]?.text).toMatch(
      /^This 10:00 clip would cost about \$0\.09 with gemini-e2e \(174,001 input tokens estimated from its length, about 8,192 expected output tokens\), more than this server's MAX_COST_USD_PER_ANALYSIS \(\$0\.05\)\. It would fit with mediaResolution "low" \(about \$0\.03\); or fps 0\.46 or lower; or a clip of at most 05:16 \(startOffset\/endOffset\); or priority "batch" \(about \$0\.05 through Gemini's Batch API, answered within 24 h\)\. Nothing was uploaded or generated\.$/
    );
    expect(uploadRequests()).toHaveLength(0);
    expect(stack.gemini.generateRequests()).toHaveLength(0);
  });

  it("prices an analysis by GEMINI_PRICES from Gemini's usage", async () => {
    const result = await callTool("analyzeRemoteVideo", { videoUrl: YOUTUBE, prompt: "Q?" });
    const { usage, ...rest } = result.structuredContent as {
      usage: { inputTokens: number; outputTokens: number; thinkingTokens: number };
      costUsd: number;
      estimatedCostUsd: number;
    };
    expect(rest).toMatchObject({ status: "done", model: "gemini-e2e" });
    expect(rest).not.toHaveProperty("costNote");
    expect(rest.costUsd).toBeCloseTo(((usage.inputTokens + usage.outputTokens + usage.thinkingTokens) * 0.5) / 1e6, 12);
    // 213 s x 290 tokens + 1, counted by Gemini, and 8,192 output tokens.
    expect(rest.estimatedCostUsd).toBeCloseTo(((213 * 290 + 1 + 8_192) * 0.5) / 1e6, 12);
    costs.push(rest.costUsd);
  });

  it("counts what the analyses still running are expected to cost against today's cap", async () => {
    // Its answer turns out far longer than estimated (200,000 output tokens: $0.10), which spends the day's cap.
    stack.gemini.enqueue({
      kind: "answer",
      chunks: ["a ", "b ", "c ", "d ", "e"],
      chunkDelayMs: 1_000,
      usage: { candidatesTokenCount: 200_000 }
    });
    // About $0.035, as the one before: it runs, holding its estimate until it is done.
    const { jobId } = snapshot(await callTool("startVideoAnalysis", { videoUrl: YOUTUBE, prompt: "Q2?" }));
    for (const deadline = Date.now() + 10_000; ; ) {
      const { status } = snapshot(await callTool("getVideoAnalysis", { jobId }));
      if (status === "generating") break;
      if (Date.now() > deadline) throw new Error(`Never generating: ${status}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // Its report reaches the console object at once (a new stage is never held back); give the delivery a moment.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const uploadsBefore = uploadRequests().length;
    const videoUrl = stack.videos.add("/four-minutes.mp4", { size: MiB });
    // About $0.0375 (230 s x 290 tokens + 1, and 8,192 output tokens): under the $0.044 left by what was spent,
    // over the $0.009 left once the running analysis's $0.035 is held too.
    const refused = await callTool("analyzeRemoteVideo", { videoUrl, prompt: "Q?", endOffset: 230 });
    expect(refused.content[0]?.text).toMatch(
      /^This 03:50 clip would cost about \$0\.04 with gemini-e2e .*more than the \$0\.0089 left today of this server's MAX_COST_USD_PER_DAY \(\$0\.0\d; \$0\.07 spent since 00:00 UTC or held by analyses running\)\./
    );
    expect(uploadRequests()).toHaveLength(uploadsBefore);
    const done = snapshot(await callTool("getVideoAnalysis", { jobId, waitSeconds: 20 }));
    expect(done.status).toBe("done");
    // SAFETY: a done analysis of a priced model has its cost.
    costs.push(done.costUsd!);
  });

  it("refuses a clip over what is left of MAX_COST_USD_PER_DAY before anything is uploaded", async () => {
    expect(costs).toHaveLength(2);
    const uploadsBefore = uploadRequests().length;
    const videoUrl = stack.videos.add("/five-minutes.mp4", { size: MiB });
    // About $0.048 (300 s x 290 tokens + 1, and 8,192 output tokens): under the $0.05 per analysis, over the nothing left today.
    const result = await callTool("analyzeRemoteVideo", { videoUrl, prompt: "Q?", endOffset: 300 });
    expect(result.isError).toBe(true);
    expect(result.content[0]?.text).toMatch(
      /^This 05:00 clip would cost about \$0\.05 with gemini-e2e .*more than the \$0\.00 left today of this server's MAX_COST_USD_PER_DAY \(\$0\.0\d; \$0\.13 spent since 00:00 UTC or held by analyses running\)\..*Nothing was uploaded or generated\.$/
    );
    expect(uploadRequests()).toHaveLength(uploadsBefore);
  });

  it("refuses a whole video before it is uploaded once nothing is left of today's cap", async () => {
    const uploadsBefore = uploadRequests().length;
    const videoUrl = stack.videos.add("/any-length.mp4", { size: MiB });
    const result = await callTool("analyzeRemoteVideo", { videoUrl, prompt: "Q?" });
    expect(result.isError).toBe(true);
    expect(result.content[0]?.text).toMatch(
      /^Nothing is left today of this server's MAX_COST_USD_PER_DAY \(\$0\.0\d; \$0\.13 spent since 00:00 UTC or held by analyses running\); analyses run again after 00:00 UTC\. Nothing was uploaded or generated\.$/
    );
    expect(uploadRequests()).toHaveLength(uploadsBefore);
  });

  it("shows today's spend in the console, and an analysis's estimate and cost on its page", async () => {
    browser = await launchChromium();
    const page = await (await browser.newContext({ viewport: { width: 1100, height: 900 } })).newPage();
    await page.goto(`${stack.server.baseUrl}/`);
    await page.getByLabel("Server secret").fill(stack.server.secret);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Spent on Gemini" }).waitFor();
    await expect.poll(() => page.locator('[data-spend="today"]').textContent()).toBe(shown(spent()));
    expect(await page.locator('[data-spend="month"]').textContent()).toBe(shown(spent()));
    await page.screenshot({ path: screenshotPath("cost-spend.png"), fullPage: true });
    // The analysis's page: its estimate and its cost.
    // The newest first: the second YouTube analysis.
    await page.getByRole("link", { name: YOUTUBE, exact: true }).first().click();
    await page.getByRole("heading", { name: "Tokens and cost" }).waitFor();
    expect(await page.locator('dl.pairs dt:text-is("Cost") + dd').textContent()).toBe(shown(costs[1] ?? 0));
    expect(await page.locator('dl.pairs dt:text-is("Estimated cost") + dd').textContent()).toBe("$0.03");
    await page.screenshot({ path: screenshotPath("cost-analysis.png"), fullPage: true });
  });
});
