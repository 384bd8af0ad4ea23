/**
 * `npm run bench:slow`: an analysis whose Gemini processing stage lasts
 * minutes (5 by default), through the running server with the official SDK
 * client over Streamable HTTP, as an MCP client with the default 60 s request
 * timeout would make it. Reports whether it completed and the longest silence
 * between progress notifications (the server promises one at least every 10 s).
 *
 *   npm run bench:slow -- --seconds 300
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { parseArgs } from "node:util";
import { startDevServer } from "../test/node/support/dev-server";
import { startFakes } from "./support/fakes";
import { connectToDevServer } from "./support/sdk-client";

const { values } = parseArgs({ options: { seconds: { type: "string", default: "300" } } });
const stageSeconds = Number(values.seconds);
/** The server polls a processing file every 2 s. */
const POLL_SECONDS = 2;

const fakes = await startFakes();
fakes.gemini.enqueueFiles({ pollsBeforeDone: Math.ceil(stageSeconds / POLL_SECONDS) });
const videoUrl = fakes.videos.add("/slow.mp4", { size: 2_000_000 });
const server = await startDevServer(fakes.serverVars);
const client = new Client({ name: "bench-slow", version: "1.0.0" });
try {
  await connectToDevServer(client, server);
  const started = performance.now();
  const arrivals: number[] = [];
  let lastMessage = "";
  const result = await client.callTool({ name: "analyzeRemoteVideo", arguments: { videoUrl } }, undefined, {
    resetTimeoutOnProgress: true,
    maxTotalTimeout: (stageSeconds + 120) * 1000,
    onprogress: (update) => {
      arrivals.push(performance.now());
      if (update.message !== lastMessage && arrivals.length % 6 === 1)
        console.log(`  ${((performance.now() - started) / 1000).toFixed(0)} s: ${update.message}`);
      lastMessage = update.message ?? "";
    }
  });
  const seconds = (performance.now() - started) / 1000;
  const gaps = arrivals.map((at, i) => (i === 0 ? at - started : at - arrivals[i - 1]!) / 1000);
  console.log(`\nSlow stage benchmark: Gemini processing held for ${stageSeconds} s`);
  console.table({
    result: {
      completed: !result.isError,
      "total s": seconds.toFixed(1),
      "progress notifications": arrivals.length,
      "longest silence s": Math.max(...gaps).toFixed(1)
    }
  });
  if (result.isError) process.exitCode = 1;
} catch (error) {
  console.error(server.output().slice(-6000));
  throw error;
} finally {
  await client.close();
  await server.stop();
  await fakes.close();
}
