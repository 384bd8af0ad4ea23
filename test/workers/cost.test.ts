/**
 * Cost in money through a real session: the estimate before Gemini watches
 * (in the progress message and the "still running" answer), a caller's
 * `maxCostUsd` refusing before anything is uploaded or generated, the cost
 * after from Gemini's usage (long-context tier, cached input, thinking as
 * output, the audio track at its rate), the console's spend total, and a
 * retired model answered with the current ones. The deployment's caps and
 * GEMINI_PRICES are settings of the server: test/node/cost.test.ts.
 */
import { runDurableObjectAlarm } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { TEST_SHARED_SECRET, TEST_TOOL_CALL_BUDGET_SECONDS } from "../constants";
import { connectTaskClient, MODERN } from "../support/task-client";
import { countingWorker } from "./support/counting-worker";
import { useFakes } from "./support/fetch-spy";
import { AUTH, BASE_URL, openIdleSession, openSession, sessionStub } from "./support/http";
import { callTool, snapshotOf, type ToolResult } from "./support/session-calls";

const fakes = useFakes();
const MiB = 1024 * 1024;
const YOUTUBE_URL = "https://youtu.be/dQw4w9WgXcQ";
/** The fake's YouTube video (213 s) at Gemini 3's rates: 70 tokens a frame, 32 a second of audio, and "Q?" (1 token). */
const YOUTUBE_TOKENS_GEMINI_3 = 213 * 70 + 213 * 32 + 1;

const uploadRequests = () => fakes.gemini.requests.filter((request) => request.path.startsWith("/upload/"));
const textOf = (result: ToolResult) => result.content.map((part) => part.text).join("\n");

async function signedInCookie(): Promise<string> {
  const response = await exports.default.fetch(
    new Request(new URL("/console/api/sign-in", BASE_URL), {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: BASE_URL, "CF-Connecting-IP": "192.0.2.77" },
      body: JSON.stringify({ secret: TEST_SHARED_SECRET })
    })
  );
  expect(response.status).toBe(200);
  // SAFETY: a 200 sign-in always sets the cookie.
  return response.headers.get("Set-Cookie")!.split(";")[0]!;
}

async function spendToday(cookie: string): Promise<number> {
  const response = await exports.default.fetch(
    new Request(new URL("/console/api/spend", BASE_URL), { headers: { Cookie: cookie } })
  );
  expect(response.status).toBe(200);
  const totals = (await response.json()) as { todayUsd: number; monthUsd: number; day: string; month: string };
  expect(totals.day).toBe(new Date().toISOString().slice(0, 10));
  expect(totals.monthUsd).toBeGreaterThanOrEqual(totals.todayUsd);
  return totals.todayUsd;
}

describe("a caller's maxCostUsd", () => {
  it("refuses a clip whose estimate is over it before anything is uploaded or generated, saying what would fit", async () => {
    const videoUrl = fakes.videos.add("/an-hour.mp4", { size: MiB });
    const result = await callTool(await openIdleSession(), "analyzeRemoteVideo", {
      videoUrl,
      prompt: "Q?",
      model: "gemini-flash-latest",
      endOffset: "1:00:00",
      maxCostUsd: 0.05
    });
    expect(result.isError).toBe(true);
    // 3,600 s x (70 + 32) tokens + 1: 252,001 at $0.50/M, the audio's 115,200 at $1/M, 8,192 output tokens at $3/M.
    expect(textOf(result)).toMatch(
      /^This 1:00:00 clip would cost about \$0\.27 with gemini-flash-latest \(367,201 input tokens estimated from its length, about 8,192 expected output tokens\), more than maxCostUsd \(\$0\.05\)\. It would fit with a clip of at most 06:19 \(startOffset\/endOffset\)\. Nothing was uploaded or generated\./
    );
    expect(uploadRequests()).toHaveLength(0);
    expect(fakes.gemini.countTokensRequests()).toHaveLength(0);
    expect(fakes.gemini.generateRequests()).toHaveLength(0);
  });

  it("refuses a YouTube video by Gemini's count before generating, offering the Batch API's price when that fits", async () => {
    const result = await callTool(await openIdleSession(), "analyzeRemoteVideo", {
      videoUrl: YOUTUBE_URL,
      prompt: "Q?",
      model: "gemini-flash-latest",
      maxCostUsd: 0.02
    });
    expect(result.isError).toBe(true);
    // 21,727 input tokens at $0.50/M and 8,192 output tokens at $3/M: $0.035; half through the Batch API.
    expect(textOf(result)).toMatch(
      /would cost about \$0\.04 with gemini-flash-latest \(21,727 input tokens counted by Gemini, .*more than maxCostUsd \(\$0\.02\)\. It would fit with .*priority "batch" \(about \$0\.02 through Gemini's Batch API, answered within 24 h\)\. Nothing was uploaded or generated\./
    );
    expect(fakes.gemini.countTokensRequests()).toHaveLength(1);
    expect(fakes.gemini.generateRequests()).toHaveLength(0);
    expect(uploadRequests()).toHaveLength(0);
  });

  it("lets an analysis under it run, and refuses a bad value with the tool's message", async () => {
    const sessionId = await openIdleSession();
    const ran = await callTool(sessionId, "analyzeRemoteVideo", {
      videoUrl: YOUTUBE_URL,
      model: "gemini-flash-latest",
      maxCostUsd: 1
    });
    expect(ran.structuredContent).toMatchObject({ status: "done" });
    const refused = await callTool(sessionId, "analyzeRemoteVideo", { videoUrl: YOUTUBE_URL, maxCostUsd: -1 });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(/maxCostUsd must be greater than 0/);
  });
});

describe("the console's form", () => {
  async function post(cookie: string, form: Record<string, string>): Promise<Response> {
    return exports.default.fetch(
      new Request(new URL("/console/api/analyses", BASE_URL), {
        method: "POST",
        headers: { Cookie: cookie, Origin: BASE_URL, "Content-Type": "application/json" },
        body: JSON.stringify(form)
      })
    );
  }

  it("takes maxCostUsd with the tools' message for a bad one, and an analysis over it ends refused with its estimate", async () => {
    const cookie = await signedInCookie();
    const bad = await post(cookie, { kind: "answer", videoUrl: YOUTUBE_URL, maxCostUsd: "lots" });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      problems: [{ field: "maxCostUsd", message: "maxCostUsd must be a finite number of US dollars" }]
    });

    const started = await post(cookie, {
      kind: "answer",
      videoUrl: YOUTUBE_URL,
      model: "gemini-flash-latest",
      maxCostUsd: "0.01"
    });
    expect(started.status).toBe(201);
    const { id } = (await started.json()) as { id: string };
    const read = async () =>
      (await (
        await exports.default.fetch(
          new Request(new URL(`/console/api/analyses/${id}`, BASE_URL), { headers: { Cookie: cookie } })
        )
      ).json()) as { state: string; error: string | null; input: { maxCostUsd?: number }; estimatedCostUsd?: number };
    await expect.poll(async () => (await read()).state, { timeout: 10_000 }).toBe("failed");
    const record = await read();
    expect(record.input.maxCostUsd).toBe(0.01);
    expect(record.estimatedCostUsd).toBeGreaterThan(0.01);
    expect(record.error).toMatch(/would cost about \$0\.\d+ with gemini-flash-latest .*more than maxCostUsd \(\$0\.01\)\./);
    expect(fakes.gemini.generateRequests()).toHaveLength(0);
  });
});

describe("the cost of an analysis", () => {
  /** The progress messages of an analysis with `args`, in order. */
  async function progressOf(args: Record<string, unknown>): Promise<string[]> {
    const opened = await openSession();
    const call = callTool(opened.sessionId, "analyzeRemoteVideo", args, { progressToken: "p" });
    const messages: string[] = [];
    for (let i = 0; i < 50; i++) {
      const { params } = (await opened.sse.nextMessage(10_000)) as { params: { message: string } };
      messages.push(params.message);
      if (params.message === "done" || params.message === "failed") break;
    }
    await opened.sse.cancel();
    await call;
    return messages;
  }

  it("says the estimate in the progress as Gemini starts watching", async () => {
    const messages = await progressOf({ videoUrl: YOUTUBE_URL, prompt: "Q?", model: "gemini-flash-latest" });
    expect(messages).toContain("Gemini is watching the video (21,727 input tokens, counted by Gemini; estimated cost $0.04)");
  });

  it("says a clip's estimate by its length as the download starts, before Gemini counts it", async () => {
    fakes.gemini.enqueueFiles({ pollsBeforeDone: 0, durationSeconds: 600 });
    const videoUrl = fakes.videos.add("/ten-minutes.mp4", { size: MiB });
    const messages = await progressOf({ videoUrl, prompt: "Q?", model: "gemini-flash-latest", endOffset: 60 });
    // 60 s x 70 + 1 tokens at $0.50/M, the audio's 1,920 at $1/M, 8,192 output tokens at $3/M.
    expect(messages).toContain("downloading the video (estimated cost $0.03 for the clip, by its length)");
  });

  it("shows the estimate while it runs and in the still-running answer", { timeout: 30_000 }, async () => {
    fakes.gemini.enqueue({
      kind: "answer",
      chunks: ["a ", "b ", "c"],
      chunkDelayMs: ((TEST_TOOL_CALL_BUDGET_SECONDS + 2) * 1000) / 3
    });
    const sessionId = await openIdleSession();
    const result = await callTool(sessionId, "analyzeRemoteVideo", {
      videoUrl: YOUTUBE_URL,
      prompt: "Q?",
      model: "gemini-flash-latest"
    });
    const text = textOf(result);
    expect(text).toMatch(/^Still running after/);
    // 21,727 x $0.50/M + 8,192 x $3/M = $0.0354.
    expect(text).toContain("Estimated cost: $0.04.");
    expect(result.structuredContent).toMatchObject({
      status: "generating",
      estimatedCostUsd: expect.closeTo((YOUTUBE_TOKENS_GEMINI_3 * 0.5 + 8_192 * 3) / 1_000_000, 12)
    });
    const { jobId } = snapshotOf(result);
    const done = snapshotOf(await callTool(sessionId, "getVideoAnalysis", { jobId, waitSeconds: TEST_TOOL_CALL_BUDGET_SECONDS }));
    expect(done).toMatchObject({ status: "done", costUsd: expect.any(Number) });
  });

  it("prices Gemini's usage: the long-context tier, cached input at its price, thinking as output", async () => {
    fakes.gemini.enqueue({
      kind: "answer",
      chunks: ["An answer."],
      thoughtsTokens: 1_000,
      usage: { promptTokenCount: 300_000, cachedContentTokenCount: 100_000, candidatesTokenCount: 2_000 }
    });
    const cookie = await signedInCookie();
    const before = await spendToday(cookie);
    const result = await callTool(await openIdleSession(), "analyzeRemoteVideo", {
      videoUrl: YOUTUBE_URL,
      prompt: "Q?",
      model: "gemini-3.1-pro-preview"
    });
    // Above 200,000 prompt tokens: 200,000 x $4/M + 100,000 cached x $0.40/M + (2,000 + 1,000) x $18/M.
    const cost = (200_000 * 4 + 100_000 * 0.4 + 3_000 * 18) / 1_000_000;
    // Before: 21,727 counted x $2/M + 8,192 x $12/M.
    const estimate = (YOUTUBE_TOKENS_GEMINI_3 * 2 + 8_192 * 12) / 1_000_000;
    expect(result.structuredContent).toMatchObject({
      status: "done",
      usage: { inputTokens: 300_000, cachedInputTokens: 100_000, outputTokens: 2_000, thinkingTokens: 1_000 },
      costUsd: expect.closeTo(cost, 9),
      estimatedCostUsd: expect.closeTo(estimate, 9)
    });
    expect(result.content.at(-1)?.text).toBe("Cost: $0.89 (estimated $0.14 before it ran).");
    // The console's spend: the console object takes the job's final report.
    await expect.poll(() => spendToday(cookie), { timeout: 10_000 }).toBeCloseTo(before + cost, 9);
  });

  it("prices the audio track at its own rate where the model has one", async () => {
    const result = await callTool(await openIdleSession(), "analyzeRemoteVideo", {
      videoUrl: YOUTUBE_URL,
      prompt: "Q?",
      model: "gemini-flash-latest"
    });
    const usage = (
      result.structuredContent as {
        usage: { inputTokens: number; outputTokens: number; thinkingTokens: number; inputByModality: { audio: number } };
      }
    ).usage;
    expect(usage.inputByModality.audio).toBe(213 * 32);
    const cost =
      ((usage.inputTokens - usage.inputByModality.audio) * 0.5 +
        usage.inputByModality.audio * 1 +
        (usage.outputTokens + usage.thinkingTokens) * 3) /
      1_000_000;
    expect(result.structuredContent).toMatchObject({ costUsd: expect.closeTo(cost, 12) });
  });

  it("names no cost for a model the price table does not list, and says why", async () => {
    const result = await callTool(await openIdleSession(), "analyzeRemoteVideo", { videoUrl: YOUTUBE_URL, prompt: "Q?" });
    expect(result.structuredContent).toMatchObject({
      status: "done",
      model: env.GEMINI_MODEL,
      costNote: `No price is known for ${env.GEMINI_MODEL}; the server's owner may add it with GEMINI_PRICES (see README, "Cost").`
    });
    expect(result.structuredContent).not.toHaveProperty("costUsd");
  });
});

describe("a task's status", () => {
  it("says the estimate while the task works, and the cost once it is done", { timeout: 30_000 }, async () => {
    const client = await connectTaskClient(new URL("/mcp", BASE_URL), countingWorker().fetch, AUTH);
    try {
      fakes.gemini.enqueue({ kind: "answer", chunks: ["a ", "b ", "c ", "d"], chunkDelayMs: 300 });
      let requestId = 0;
      const post = async (method: string, params: Record<string, unknown>) => {
        const body = {
          jsonrpc: "2.0",
          id: requestId++,
          method,
          params: {
            ...params,
            _meta: {
              "io.modelcontextprotocol/protocolVersion": MODERN,
              "io.modelcontextprotocol/clientCapabilities": { extensions: { "io.modelcontextprotocol/tasks": {} } },
              "io.modelcontextprotocol/clientInfo": { name: "raw", version: "1" }
            }
          }
        };
        return (
          (await (await client.post(body)).json()) as { result: { taskId?: string; status?: string; statusMessage?: string } }
        ).result;
      };
      const created = await post("tools/call", {
        name: "analyzeRemoteVideo",
        arguments: { videoUrl: YOUTUBE_URL, prompt: "Q?", model: "gemini-flash-latest" }
      });
      // SAFETY: a task-augmented call answers with its task.
      const taskId = created.taskId!;
      const messages: string[] = [];
      for (const deadline = Date.now() + 20_000; Date.now() < deadline; ) {
        const task = await post("tasks/get", { taskId });
        messages.push(String(task.statusMessage));
        if (task.status !== "working") break;
        await runDurableObjectAlarm(sessionStub(taskId.split(".")[0]!));
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(messages.some((message) => /^generating, \d+%: .*\(estimated cost \$0\.04\)$/.test(message))).toBe(true);
      expect(messages.at(-1)).toMatch(/^done \(cost \$0\.0\d+\)$/);
    } finally {
      await client.close();
    }
  });
});

describe("retired models", () => {
  it.each(["gemini-2.5-flash", "models/gemini-2.5-pro", "gemini-2.5-flash-preview-05-20"])(
    "answers %s with the day it was shut down and the current models, asking Gemini nothing",
    async (model) => {
      const result = await callTool(await openIdleSession(), "analyzeRemoteVideo", { videoUrl: YOUTUBE_URL, model });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(
        /is no longer served: Google shut down Gemini 2\.5 Flash and Pro on 2026-12-01\. Use a current model, such as gemini-flash-latest, gemini-3-flash-preview, .*gemini-3\.1-pro-preview/
      );
      expect(fakes.gemini.requests).toHaveLength(0);
    }
  );

  it("still serves Gemini 2.5 Flash-Lite, which was not retired", async () => {
    const result = await callTool(await openIdleSession(), "analyzeRemoteVideo", {
      videoUrl: YOUTUBE_URL,
      model: "gemini-2.5-flash-lite"
    });
    expect(result.structuredContent).toMatchObject({ status: "done", costUsd: expect.any(Number) });
  });
});
