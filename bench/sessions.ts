/**
 * `npm run bench:sessions`: opens N concurrent SSE sessions against the
 * running server (workerd via wrangler, loopback only), holds them for a
 * while, and reports the time to open them all, the share of expected pings
 * delivered, and workerd's RSS per session. Bounded in count and time.
 * The measurement itself is in `support/sessions-bench.ts`.
 *
 *   npm run bench:sessions -- --sessions 100,1000,5000 --hold 30
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startDevServer } from "../test/node/support/dev-server";
import { runSessionsBench } from "./support/sessions-bench";

const { values } = parseArgs({
  options: { sessions: { type: "string", default: "100,1000,5000" }, hold: { type: "string", default: "30" } }
});
const counts = values.sessions.split(",").map(Number);
const holdSeconds = Number(values.hold);
const PING_SECONDS = 5;

const server = await startDevServer({ PING_INTERVAL_SECONDS: String(PING_SECONDS), GOOGLE_API_KEY: "bench" });
try {
  const results = await runSessionsBench(server, {
    counts,
    holdSeconds,
    pingSeconds: PING_SECONDS,
    onFailures: () => {
      const log = server
        .output()
        .split("\n")
        .filter((line) => !line.includes("[wrangler:info]"))
        .join("\n");
      console.log(`Server output without request lines (tail):\n${log.slice(-4000)}`);
    }
  });
  console.log(`\nSessions benchmark (ping every ${PING_SECONDS} s, held ${holdSeconds} s):`);
  console.table(results);
  mkdirSync(join("bench", "results"), { recursive: true });
  writeFileSync(join("bench", "results", "sessions.json"), `${JSON.stringify(results, null, 2)}\n`);
} finally {
  await server.stop();
}
