/**
 * `npm run bench:upload`: streams a large video (500 MB by default) through
 * the running server (workerd via wrangler, as `npm run dev`) into a local fake Gemini, and measures
 * throughput and the workerd process's memory and open files; then copies the
 * same bytes source → fake Gemini directly from Node, in the same 8 MiB
 * chunks, as the anchor. Loopback only; bounded in size and time.
 * The measurement itself is in `support/upload-bench.ts`.
 *
 *   npm run bench:upload -- --mb 500
 *   npm run bench:upload -- --source tus --mb 1000 [--rounds 5]
 *     (the user's own file through /uploads, through the dev front and at workerd's own socket, in rounds
 *     alternating with a plain Node copy and the client's own upload; see support/tus-bench.ts)
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startDevServer } from "../test/node/support/dev-server";
import { startFakes } from "./support/fakes";
import { printTusFigures, runTusBench } from "./support/tus-bench";
import { printUploadFigures, runUploadBench } from "./support/upload-bench";

const { values } = parseArgs({
  options: {
    mb: { type: "string", default: "500" },
    source: { type: "string", default: "url" },
    rounds: { type: "string", default: "5" }
  }
});
if (values.source !== "url" && values.source !== "tus") throw new Error("--source is url or tus");
const sizeBytes = Math.round(Number(values.mb) * 1_000_000);
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 1 || rounds > 9) throw new Error("--rounds is a whole number from 1 to 9");
const TIME_LIMIT_MS = 15 * 60_000;

const fakes = await startFakes();
const server = await startDevServer({ ...fakes.serverVars, MAX_VIDEO_BYTES: String(sizeBytes * 2) });
const timeout = setTimeout(() => {
  console.error(`Benchmark exceeded ${TIME_LIMIT_MS / 60_000} minutes; stopping.`);
  void server.stop().then(() => process.exit(1));
}, TIME_LIMIT_MS);
try {
  mkdirSync(join("bench", "results"), { recursive: true });
  if (values.source === "tus") {
    const figures = await runTusBench(server, fakes, sizeBytes, rounds);
    printTusFigures(figures);
    writeFileSync(join("bench", "results", "upload-tus.json"), `${JSON.stringify(figures, null, 2)}\n`);
  } else {
    const figures = await runUploadBench(server, fakes, sizeBytes);
    printUploadFigures(figures);
    writeFileSync(join("bench", "results", "upload.json"), `${JSON.stringify(figures, null, 2)}\n`);
  }
} catch (error) {
  console.error(server.output().slice(-4000));
  throw error;
} finally {
  clearTimeout(timeout);
  await server.stop();
  await fakes.close();
}
