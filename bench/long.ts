/**
 * `npm run bench:long`: a long video's transcript (3 hours by default)
 * through the running server, cut into segments and asked side by side at
 * the default SEGMENT_CONCURRENCY, against one single call over the same
 * uploaded video in the same run (the request the server would make
 * unsegmented, sent straight to the fake Gemini). Reports the wall time of
 * each and their ratio (target ≤ 0.4), Gemini requests, and billed tokens,
 * and counts the transcript's lines (read whole from its JSON resource when
 * the result comes cut under MAX_RESULT_CHARS).
 *
 * The fake generates at `--rate` output tokens a second. The default, 200,
 * is a round figure under the output speeds independent measurements report
 * for Gemini Flash models: Artificial Analysis measured Gemini 2.5 Flash at
 * about 217 to 275 tokens a second (as cited on amallo.ai's model wiki,
 * 270.6, and ywian.com's Gemini 2.5 Flash review, 216.9; read 2026-12-07).
 *
 *   npm run bench:long -- --hours 3 --rate 200
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { parseArgs } from "node:util";
import { GoogleGenAI } from "@google/genai";
import { responseJsonSchema } from "../src/analysis/formats";
import { transcriptPrompt } from "../src/analysis/transcript-prompt";
import { startDevServer } from "../test/node/support/dev-server";
import type { ScriptLine } from "../test/support/fake-gemini";
import { startFakes } from "./support/fakes";
import { connectToDevServer } from "./support/sdk-client";

const { values } = parseArgs({ options: { hours: { type: "string", default: "3" }, rate: { type: "string", default: "200" } } });
const hours = Number(values.hours);
const rate = Number(values.rate);
const seconds = hours * 3600;
/** Two people talking, a line every 8 s. */
const lines: ScriptLine[] = [];
for (let at = 3; at < seconds; at += 8) {
  const speaker = lines.length % 2 === 0 ? "Alice" : "Bob";
  lines.push({
    speaker,
    startSeconds: at,
    text: `Line ${lines.length + 1}: ${speaker} says something about minute ${Math.floor(at / 60)}.`
  });
}

type Block = { type: string; uri?: string };

/**
 * The transcript's lines: a result over MAX_RESULT_CHARS comes cut, with the
 * whole transcript linked as resources, so its JSON file is read and counted.
 */
async function transcriptLineCount(client: Client, content: Block[], shown: unknown[]): Promise<number> {
  const whole = content.find((block) => block.type === "resource_link" && block.uri?.endsWith("/transcript.json"))?.uri;
  if (!whole) return shown.length;
  const { contents } = await client.readResource({ uri: whole });
  return (JSON.parse((contents[0] as { text: string }).text) as { segments: unknown[] }).segments.length;
}

interface Billed {
  input: number;
  output: number;
  thinking: number;
}

const fakes = await startFakes();
fakes.gemini.tokensPerSecond = rate;
fakes.gemini.enqueueFiles({ pollsBeforeDone: 0, durationSeconds: seconds, script: { lines } });
const videoUrl = fakes.videos.add("/long.mp4", { size: 2_000_000 });
const server = await startDevServer(fakes.serverVars);
const client = new Client({ name: "bench-long", version: "1.0.0" });
try {
  await connectToDevServer(client, server);
  console.log(`Long video benchmark: a ${hours} h transcript, the fake generating ${rate} output tokens a second`);
  const started = performance.now();
  let lastMessage = "";
  const result = await client.callTool({ name: "transcribeVideo", arguments: { videoUrl } }, undefined, {
    resetTimeoutOnProgress: true,
    maxTotalTimeout: 3600_000,
    onprogress: (update) => {
      if (update.message !== lastMessage && /segment/.test(update.message ?? "") && !/characters/.test(update.message ?? ""))
        console.log(
          `  ${((performance.now() - started) / 1000).toFixed(0)} s: ${update.progress.toFixed(0)} % ${update.message}`
        );
      lastMessage = update.message ?? "";
    }
  });
  const segmentedSeconds = (performance.now() - started) / 1000;
  if (result.isError) throw new Error(`The segmented run failed: ${JSON.stringify(result.content)}`);
  const structured = result.structuredContent as {
    model: string;
    segments: unknown[];
    usage: { inputTokens: number; outputTokens: number; thinkingTokens: number };
    plan?: { segmentCount: number };
  };
  const segmentedLines = await transcriptLineCount(client, result.content as Block[], structured.segments);
  const segmentedRequests = fakes.gemini.generateRequests().length;
  const segmented: Billed = {
    input: structured.usage.inputTokens,
    output: structured.usage.outputTokens,
    thinking: structured.usage.thinkingTokens
  };

  // One call over the whole video, as the server would send it unsegmented.
  const file = [...fakes.gemini.files.values()][0]!;
  const ai = new GoogleGenAI({ apiKey: "bench", httpOptions: { baseUrl: fakes.geminiUrl, apiVersion: "v1beta" } });
  const singleStarted = performance.now();
  const stream = await ai.models.generateContentStream({
    model: structured.model,
    contents: [
      {
        role: "user",
        parts: [{ fileData: { fileUri: file.uri, mimeType: file.mimeType } }, { text: transcriptPrompt(undefined, true) }]
      }
    ],
    config: { responseMimeType: "application/json", responseJsonSchema: responseJsonSchema("transcript") }
  });
  let text = "";
  let usage: { promptTokenCount?: number; candidatesTokenCount?: number; thoughtsTokenCount?: number } | undefined;
  for await (const chunk of stream) {
    text += chunk.text ?? "";
    usage = chunk.usageMetadata ?? usage;
  }
  const singleSeconds = (performance.now() - singleStarted) / 1000;
  const single: Billed = {
    input: usage?.promptTokenCount ?? 0,
    output: usage?.candidatesTokenCount ?? 0,
    thinking: usage?.thoughtsTokenCount ?? 0
  };
  const singleLines = (JSON.parse(text) as { segments: unknown[] }).segments.length;

  const ratio = segmentedSeconds / singleSeconds;
  const extraInput = segmented.input / single.input - 1;
  console.table({
    segmented: {
      "wall s": segmentedSeconds.toFixed(1),
      segments: structured.plan?.segmentCount ?? 1,
      "Gemini requests": segmentedRequests,
      "input tokens": segmented.input,
      "output tokens": segmented.output,
      "thinking tokens": segmented.thinking,
      "transcript lines": segmentedLines
    },
    "single call": {
      "wall s": singleSeconds.toFixed(1),
      segments: 1,
      "Gemini requests": 1,
      "input tokens": single.input,
      "output tokens": single.output,
      "thinking tokens": single.thinking,
      "transcript lines": singleLines
    }
  });
  console.log(
    `wall-time ratio segmented / single: ${ratio.toFixed(2)} (target ≤ 0.40); extra input tokens: ${(extraInput * 100).toFixed(1)} % (limit 15 %); lines: ${segmentedLines} of ${lines.length}`
  );
  if (ratio > 0.4 || extraInput > 0.15 || segmentedLines !== lines.length) process.exitCode = 1;
} catch (error) {
  console.error(server.output().slice(-6000));
  throw error;
} finally {
  await client.close();
  await server.stop();
  await fakes.close();
}
