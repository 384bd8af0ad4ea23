/**
 * `npm run bench:sessions`: opens N concurrent SSE sessions against the
 * running server (workerd via wrangler, loopback only), holds them for a
 * while, and reports the time to open them all, the share of expected pings
 * delivered, and workerd's RSS per session. Bounded in count and time.
 *
 *   npm run bench:sessions -- --sessions 100,1000,5000 --hold 30
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { request as httpRequest } from "node:http";
import { startDevServer } from "../test/node/support/dev-server";
import { findWorkerd, sampleProcesses } from "./support/processes";

const { values } = parseArgs({
  options: { sessions: { type: "string", default: "100,1000,5000" }, hold: { type: "string", default: "30" } }
});
const counts = values.sessions.split(",").map(Number);
const holdSeconds = Number(values.hold);
const PING_SECONDS = 5;
const OPEN_TIMEOUT_MS = 120_000;
/** A stream whose endpoint event has not come by then counts as failed. */
const STREAM_OPEN_TIMEOUT_MS = 20_000;

interface Stream {
  pings: number;
  close(): void;
}

/** Opens GET /sse on its own connection; resolves once the endpoint event arrived. */
function openStream(baseUrl: string, secret: string): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${baseUrl}/sse`, { agent: false, headers: { Authorization: `Bearer ${secret}` } }, (response) => {
      if (response.statusCode !== 200) {
        reject(new Error(`GET /sse answered ${response.statusCode}`));
        response.resume();
        return;
      }
      const stream: Stream = { pings: 0, close: () => request.destroy() };
      let text = "";
      let opened = false;
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => {
        text += chunk;
        let end: number;
        while ((end = text.indexOf("\n\n")) >= 0) {
          const frame = text.slice(0, end);
          text = text.slice(end + 2);
          if (frame.startsWith("event: endpoint") && !opened) {
            opened = true;
            request.setTimeout(0);
            resolve(stream);
          }
          if (frame.startsWith("event: ping")) stream.pings += 1;
        }
      });
      response.on("error", (error) => {
        if (!opened) reject(error);
      });
    });
    request.on("error", reject);
    request.setTimeout(STREAM_OPEN_TIMEOUT_MS, () => {
      request.destroy(new Error(`no endpoint event within ${STREAM_OPEN_TIMEOUT_MS / 1000} s`));
    });
    request.end();
  });
}

const server = await startDevServer({ PING_INTERVAL_SECONDS: String(PING_SECONDS), GOOGLE_API_KEY: "bench" });
const results: Record<string, unknown>[] = [];
try {
  const workerd = findWorkerd(server.pid);
  for (const count of counts) {
    const before = sampleProcesses(workerd);
    const started = performance.now();
    const streams: Stream[] = [];
    const failures: string[] = [];
    // Open in waves of 200 so the loopback backlog is never the bottleneck being
    // measured; stop (and report how far it got) when opening takes too long.
    for (let i = 0; i < count && performance.now() - started < OPEN_TIMEOUT_MS; i += 200) {
      const wave = await Promise.allSettled(
        Array.from({ length: Math.min(200, count - i) }, () => openStream(server.baseUrl, server.secret))
      );
      for (const outcome of wave) {
        if (outcome.status === "fulfilled") streams.push(outcome.value);
        else failures.push(String(outcome.reason));
      }
    }
    const openSeconds = (performance.now() - started) / 1000;
    for (const stream of streams) stream.pings = 0;
    const holdStarted = performance.now();
    await new Promise((resolve) => setTimeout(resolve, holdSeconds * 1000));
    const heldSeconds = (performance.now() - holdStarted) / 1000;
    const during = sampleProcesses(workerd);
    const expected = streams.length * Math.floor(heldSeconds / PING_SECONDS);
    const delivered = streams.reduce((sum, stream) => sum + Math.min(stream.pings, Math.floor(heldSeconds / PING_SECONDS)), 0);
    for (const stream of streams) stream.close();
    const row = {
      sessions: count,
      opened: streams.length,
      failed: failures.length,
      "open s": Number(openSeconds.toFixed(2)),
      "pings delivered %": Number(((100 * delivered) / Math.max(1, expected)).toFixed(2)),
      "RSS per session KB": Number(((during.rssBytes - before.rssBytes) / Math.max(1, streams.length) / 1024).toFixed(1)),
      "workerd RSS MB": Number((during.rssBytes / 1_000_000).toFixed(1))
    };
    results.push(row);
    console.log(row, failures.slice(0, 1));
    if (failures.length > 0) console.log(`Server output (tail):\n${server.output().slice(-3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
  }
  console.log(`\nSessions benchmark (ping every ${PING_SECONDS} s, held ${holdSeconds} s):`);
  console.table(results);
  mkdirSync(join("bench", "results"), { recursive: true });
  writeFileSync(join("bench", "results", "sessions.json"), `${JSON.stringify(results, null, 2)}\n`);
} finally {
  await server.stop();
}
