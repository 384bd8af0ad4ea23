/**
 * `npm run bench:cost`: what follow-up questions about an hour of video
 * cost against the first, through the running server with the official SDK
 * client: a first question (`analyzeRemoteVideo`), then three follow-ups
 * (`askAboutVideo` by its job id), each asked with the video's context
 * cache. Billed input is the uncached input plus the cached input weighted
 * by its price against the input price (a tenth on Gemini 3 Flash); the
 * target is a follow-up at most 25 % of the first question. Each call's
 * cost in money is printed beside it, at the built-in price table.
 *
 *   npm run bench:cost
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { costOfUsage, formatUsd } from "../src/cost/estimate";
import { DEFAULT_PRICES, PRICES_SOURCE, PRICES_READ_ON } from "../src/cost/prices";
import { startDevServer } from "../test/node/support/dev-server";
import { startFakes } from "./support/fakes";
import { connectToDevServer } from "./support/sdk-client";

const MODEL = "gemini-3-flash-preview";
// SAFETY: the built-in table lists the model.
const PRICE = DEFAULT_PRICES.models[MODEL]!;
/** The cached input price against the input price (a tenth on Gemini 3 Flash). */
const CACHED_PRICE_RATIO = PRICE.cachedInputPerMillion / PRICE.inputPerMillion;
const VIDEO_SECONDS = 3600;
const TARGET_RATIO = 0.25;
const FOLLOW_UPS = ["Who speaks first?", "What is on the slides at 30:00?", "How does it end?"];

interface Usage {
  inputTokens: number;
  cachedInputTokens: number;
  outputTokens: number;
  thinkingTokens: number;
  inputByModality?: { audio?: number };
}

const billedInput = ({ inputTokens, cachedInputTokens }: Usage) =>
  inputTokens - cachedInputTokens + cachedInputTokens * CACHED_PRICE_RATIO;

const fakes = await startFakes();
fakes.gemini.enqueueFiles({ pollsBeforeDone: 0, durationSeconds: VIDEO_SECONDS });
const videoUrl = fakes.videos.add("/hour.mp4", { size: 2_000_000 });
const server = await startDevServer(fakes.serverVars);
const client = new Client({ name: "bench-cost", version: "1.0.0" });
try {
  await connectToDevServer(client, server);
  const ask = async (name: string, args: Record<string, unknown>) => {
    const result = await client.callTool({ name, arguments: args }, undefined, { timeout: 600_000 });
    const structured = result.structuredContent as { jobId: string; usage?: Usage } | undefined;
    if (result.isError || !structured?.usage) throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
    return { jobId: structured.jobId, usage: structured.usage };
  };
  const first = await ask("analyzeRemoteVideo", { videoUrl, model: MODEL, prompt: "What is this talk about?" });
  const rows: Record<string, Record<string, string | number | boolean>> = {
    first: {
      "input tokens": first.usage.inputTokens,
      "cached tokens": first.usage.cachedInputTokens,
      "billed input tokens": Math.round(billedInput(first.usage)),
      "of the first": "100 %",
      cost: formatUsd(costOfUsage(first.usage, PRICE))
    }
  };
  let worst = 0;
  for (const [index, question] of FOLLOW_UPS.entries()) {
    const { usage } = await ask("askAboutVideo", { jobId: first.jobId, question });
    const ratio = billedInput(usage) / billedInput(first.usage);
    worst = Math.max(worst, ratio);
    rows[`follow-up ${index + 1}`] = {
      "input tokens": usage.inputTokens,
      "cached tokens": usage.cachedInputTokens,
      "billed input tokens": Math.round(billedInput(usage)),
      "of the first": `${(ratio * 100).toFixed(1)} %`,
      cost: formatUsd(costOfUsage(usage, PRICE))
    };
  }
  console.log(
    `\nCost benchmark: a ${VIDEO_SECONDS / 60}-minute video on ${MODEL}, a first question and ${FOLLOW_UPS.length} follow-ups`
  );
  console.table(rows);
  console.log(
    `Cached input weighted at ${CACHED_PRICE_RATIO} of the input price. Worst follow-up: ${(worst * 100).toFixed(1)} % of the first (target ≤ ${TARGET_RATIO * 100} %).`
  );
  console.log(
    `Money at ${MODEL}'s prices in src/cost/prices.ts (${PRICES_SOURCE}, as known on ${PRICES_READ_ON}): input $${PRICE.inputPerMillion}, cached $${PRICE.cachedInputPerMillion}, output $${PRICE.outputPerMillion} a million tokens; the audio track at $${PRICE.audioInputPerMillion ?? PRICE.inputPerMillion}.`
  );
  const cachedTokens = Math.max(...Object.values(rows).map((row) => Number(row["cached tokens"])));
  console.log(
    `The follow-ups' context cache holds ${cachedTokens} tokens: its storage costs ${formatUsd((cachedTokens * PRICE.cacheStoragePerMillionPerHour) / 1_000_000)} an hour on top (README, "When an explicit cache pays").`
  );
  if (worst > TARGET_RATIO) process.exitCode = 1;
} catch (error) {
  console.error(server.output().slice(-6000));
  throw error;
} finally {
  await client.close();
  await server.stop();
  await fakes.close();
}
