/**
 * `npm run bench`: the whole benchmark suite in one run, against the server
 * under wrangler (`scripts/serve.mjs`, as `npm run dev`) with the local fake
 * Gemini, and against the anchor, `@modelcontextprotocol/server-everything`
 * over Streamable HTTP. Loopback only; every loop bounded in count and time;
 * every process started here is stopped by its process group id.
 *
 *   npm run bench                 # full: about 4 minutes
 *   npm run bench -- --quick      # reduced: about 1 minute
 *   npm run bench -- --json out.json
 *
 * Prints tables on stdout and writes every figure as JSON
 * (bench/results/latest.json unless --json says otherwise).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, loadavg, totalmem } from "node:os";
import type { Agent } from "node:http";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { startDevServer, type DevServer } from "../test/node/support/dev-server";
import { measureBundle, type BundleFigures } from "./support/bundle";
import { startEverythingServer, type AnchorServer } from "./support/everything";
import { startFakes, type Fakes } from "./support/fakes";
import { measureSequential, measureThroughput, type LatencyResult, type ThroughputResult } from "./support/load";
import { keepAliveAgent, modernToolsList, openMcpSession, rpcToolsList } from "./support/mcp-http";
import { cpuSeconds, directWorkerUrl, findWorkerd } from "./support/processes";
import { runProgressBench, type ProgressFigures } from "./support/progress-bench";
import { runSessionsBench, type SessionsRow } from "./support/sessions-bench";
import { measureSseReady } from "./support/sse-client";
import { ratio, summarize, type Summary } from "./support/stats";
import { runUploadBench, type UploadFigures } from "./support/upload-bench";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    json: { type: "string", default: join("bench", "results", "latest.json") }
  }
});

/** How much each part does, in full and in --quick mode; every loop has a count and a time bound. */
const PLANS = {
  full: {
    latency: { warmup: 50, count: 500, timeLimitMs: 30_000 },
    throughput: { concurrency: 32, count: 2_000, timeLimitMs: 20_000 },
    sseReady: { count: 50, timeLimitMs: 30_000 },
    progress: { jobs: 20, timeLimitMs: 60_000 },
    uploadMB: 100,
    sessions: { counts: [100], holdSeconds: 20 },
    totalLimitMs: 10 * 60_000
  },
  quick: {
    latency: { warmup: 20, count: 100, timeLimitMs: 8_000 },
    throughput: { concurrency: 32, count: 500, timeLimitMs: 5_000 },
    sseReady: { count: 20, timeLimitMs: 8_000 },
    progress: { jobs: 5, timeLimitMs: 15_000 },
    uploadMB: 20,
    sessions: { counts: [50], holdSeconds: 10 },
    totalLimitMs: 150_000
  }
};
const plan = values.quick ? PLANS.quick : PLANS.full;
const PING_SECONDS = 5;
const root = join(import.meta.dirname, "..");
/** Every keep-alive agent made here, destroyed at the end so no socket lingers. */
const agents: Agent[] = [];

function newAgent(): Agent {
  const agent = keepAliveAgent(plan.throughput.concurrency);
  agents.push(agent);
  return agent;
}

/** A tools/list target: one server, one route, one way in. */
interface Target {
  label: string;
  /** A caller for sequential latency. */
  call(): Promise<unknown>;
  /** `n` independent callers for throughput (their own sessions where the route has sessions). */
  callers(n: number): Promise<(() => Promise<unknown>)[]>;
  /** The processes that serve this target, by role, whose CPU per call the throughput run reports. */
  processes: () => Record<string, number[]>;
}

/** CPU milliseconds per call of each serving role and of this process (the load generator) during a run. */
type CpuPerCall = Record<string, number>;

interface Results {
  date: string;
  quick: boolean;
  machine: Record<string, unknown>;
  plan: typeof plan;
  bundle?: BundleFigures;
  toolsList?: {
    latency: Record<string, LatencyResult>;
    throughput: Record<string, ThroughputResult>;
    cpuMsPerCall: Record<string, CpuPerCall>;
  };
  sseReadyMs?: Record<string, Summary>;
  progress?: ProgressFigures;
  upload?: UploadFigures;
  sessions?: SessionsRow[];
  targets?: { target: string; measured: string; met: boolean }[];
  errors: string[];
}

function versionOf(name: string, from = root): string {
  try {
    const require = createRequire(join(from, "package.json"));
    return (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

function machine(): Record<string, unknown> {
  const wranglerDir = dirname(createRequire(join(root, "package.json")).resolve("wrangler/package.json"));
  return {
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    wrangler: versionOf("wrangler"),
    workerd: versionOf("workerd", wranglerDir),
    anchor: `@modelcontextprotocol/server-everything ${versionOf("@modelcontextprotocol/server-everything")}`,
    loadAverageAtStart: loadavg().map((value) => Number(value.toFixed(2)))
  };
}

const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(2) : "–");
const times = (value: number) => (Number.isFinite(value) ? `${value.toFixed(2)}×` : "–");

function ourTargets(server: DevServer, baseUrl: string, via: string): Target[] {
  const agent = newAgent();
  const processes = () => ({ "dev server (Node)": [server.pid], workerd: findWorkerd(server.pid) });
  const auth = { Authorization: `Bearer ${server.secret}` };
  return [
    {
      label: `ours /rpc (${via})`,
      call: rpcToolsList(agent, baseUrl, server.secret),
      callers: async (n) => Array.from({ length: n }, () => rpcToolsList(agent, baseUrl, server.secret)),
      processes
    },
    {
      label: `ours /mcp 2026 era (${via})`,
      call: modernToolsList(agent, `${baseUrl}/mcp`, server.secret),
      callers: async (n) => Array.from({ length: n }, () => modernToolsList(agent, `${baseUrl}/mcp`, server.secret)),
      processes
    },
    {
      label: `ours /mcp 2025 era (${via})`,
      call: lazySession(() => openMcpSession(agent, `${baseUrl}/mcp`, auth)),
      callers: async (n) =>
        (await Promise.all(Array.from({ length: n }, () => openMcpSession(agent, `${baseUrl}/mcp`, auth)))).map(
          (session) => () => session.toolsList()
        ),
      processes
    }
  ];
}

function anchorTarget(anchor: AnchorServer): Target {
  const agent = newAgent();
  return {
    label: "anchor /mcp (server-everything)",
    call: lazySession(() => openMcpSession(agent, anchor.mcpUrl)),
    callers: async (n) =>
      (await Promise.all(Array.from({ length: n }, () => openMcpSession(agent, anchor.mcpUrl)))).map(
        (session) => () => session.toolsList()
      ),
    processes: () => ({ "anchor (Node)": [anchor.pid] })
  };
}

/** A tools/list caller whose Streamable HTTP session is opened on first use (not timed: the warm-up opens it). */
function lazySession(open: () => Promise<{ toolsList(): Promise<number> }>): () => Promise<number> {
  let session: Promise<{ toolsList(): Promise<number> }> | undefined;
  return async () => {
    session ??= open();
    return (await session).toolsList();
  };
}

async function measureToolsList(targets: Target[]): Promise<NonNullable<Results["toolsList"]>> {
  const latency: Record<string, LatencyResult> = {};
  const throughput: Record<string, ThroughputResult> = {};
  const cpuMsPerCall: Record<string, CpuPerCall> = {};
  for (const target of targets) {
    latency[target.label] = await measureSequential(target.call, plan.latency);
    console.log(`  ${target.label}: p50 ${ms(latency[target.label]!.latencyMs.p50)} ms`);
  }
  for (const target of targets) {
    const callers = await target.callers(plan.throughput.concurrency);
    const roles = { ...target.processes(), "load generator (this process)": [process.pid] };
    const before = Object.fromEntries(Object.entries(roles).map(([role, pids]) => [role, cpuSeconds(pids)]));
    const result = await measureThroughput(callers, plan.throughput);
    throughput[target.label] = result;
    cpuMsPerCall[target.label] = Object.fromEntries(
      // Every caller's warm-up call runs inside the measured span too.
      Object.entries(roles).map(([role, pids]) => [
        role,
        ((cpuSeconds(pids) - before[role]!) * 1000) / (result.requests + result.failures + callers.length)
      ])
    );
    console.log(`  ${target.label}: ${result.requestsPerSecond.toFixed(0)} req/s at ${plan.throughput.concurrency}`);
  }
  return { latency, throughput, cpuMsPerCall };
}

function printToolsList(toolsList: NonNullable<Results["toolsList"]>, anchorLabel: string): void {
  const anchorLatency = toolsList.latency[anchorLabel]!.latencyMs;
  const anchorRate = toolsList.throughput[anchorLabel]?.requestsPerSecond ?? Number.NaN;
  const rows: Record<string, Record<string, string | number>> = {};
  for (const [label, result] of Object.entries(toolsList.latency)) {
    const rate = toolsList.throughput[label];
    rows[label] = {
      "p50 ms": ms(result.latencyMs.p50),
      "p99 ms": ms(result.latencyMs.p99),
      "p50 / anchor": times(ratio(result.latencyMs.p50, anchorLatency.p50)),
      [`req/s @${plan.throughput.concurrency}`]: rate ? rate.requestsPerSecond.toFixed(0) : "–",
      "req/s / anchor": times(ratio(rate?.requestsPerSecond ?? Number.NaN, anchorRate)),
      failures: result.failures + (rate?.failures ?? 0)
    };
  }
  console.log(
    `\ntools/list: ${plan.latency.count} sequential calls after ${plan.latency.warmup} warm-up; throughput: ${plan.throughput.count} calls by ${plan.throughput.concurrency} callers`
  );
  console.table(rows);
  console.log("CPU ms per call in the throughput runs (/proc, 10 ms ticks), by process:");
  console.table(
    Object.fromEntries(
      Object.entries(toolsList.cpuMsPerCall).map(([label, roles]) => [
        label,
        Object.fromEntries(Object.entries(roles).map(([role, value]) => [role, ms(value)]))
      ])
    )
  );
}

function evaluateTargets(results: Results, anchorLabel: string): NonNullable<Results["targets"]> {
  const targets: NonNullable<Results["targets"]> = [];
  const tools = results.toolsList;
  if (tools) {
    const rpc = Object.keys(tools.latency).find((label) => label === "ours /rpc (dev server)")!;
    const p50 = tools.latency[rpc]!.latencyMs.p50;
    targets.push({ target: "tools/list p50 ≤ 5 ms (/rpc via the dev server)", measured: `${ms(p50)} ms`, met: p50 <= 5 });
    const anchorRate = tools.throughput[anchorLabel]!.requestsPerSecond;
    for (const label of Object.keys(tools.throughput).filter((label) => label.includes("(dev server)"))) {
      const rate = tools.throughput[label]!.requestsPerSecond;
      // The 2026 era's tools/list touches no Durable Object: it is held to twice the anchor.
      const factor = label.includes("2026") ? 2 : 1;
      targets.push({
        target: `tools/list throughput ≥ ${factor === 1 ? "anchor's" : `${factor}× anchor's`} (${label})`,
        measured: `${rate.toFixed(0)} vs ${anchorRate.toFixed(0)} req/s (${times(ratio(rate, anchorRate))})`,
        met: rate >= factor * anchorRate
      });
    }
  }
  if (results.progress) {
    const p99 = results.progress.all.p99;
    targets.push({
      target: "progress latency p99 ≤ 100 ms",
      measured: `${ms(p99)} ms (${results.progress.missed} missed)`,
      met: p99 <= 100 && results.progress.missed === 0
    });
  }
  if (results.bundle) {
    const kib = results.bundle.gzipBytes / 1024;
    targets.push({
      target: "bundle ≤ 1 MiB gzip",
      measured: `${kib.toFixed(1)} KiB`,
      met: results.bundle.gzipBytes <= 1024 ** 2
    });
  }
  return targets;
}

async function main(): Promise<void> {
  const results: Results = { date: new Date().toISOString(), quick: values.quick, machine: machine(), plan, errors: [] };
  console.log(`Benchmark suite${values.quick ? " (--quick)" : ""}: ${JSON.stringify(results.machine)}`);
  let fakes: Fakes | undefined;
  let server: DevServer | undefined;
  let anchor: AnchorServer | undefined;
  const cleanup = async () => {
    for (const agent of agents) agent.destroy();
    await server?.stop();
    await anchor?.stop();
    await fakes?.close();
  };
  const watchdog = setTimeout(() => {
    console.error(`The suite exceeded ${plan.totalLimitMs / 1000} s; stopping everything.`);
    void cleanup().finally(() => process.exit(1));
  }, plan.totalLimitMs);
  /** Runs one part; a failure is recorded and the suite goes on. */
  const part = async (name: string, run: () => Promise<void>) => {
    const started = performance.now();
    console.log(`\n== ${name}`);
    try {
      await run();
    } catch (error) {
      results.errors.push(`${name}: ${String(error)}`);
      console.error(`${name} failed: ${String(error)}`);
      if (server) console.error(server.output().slice(-3000));
    }
    console.log(`   (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  };
  const anchorLabel = "anchor /mcp (server-everything)";
  try {
    // The bundle first, before any server competes for the CPU.
    await part("bundle (wrangler deploy --dry-run)", async () => {
      results.bundle = await measureBundle(root);
    });
    fakes = await startFakes();
    server = await startDevServer({ ...fakes.serverVars, PING_INTERVAL_SECONDS: String(PING_SECONDS) });
    anchor = await startEverythingServer();
    const direct = await directWorkerUrl(server.pid, Number(new URL(server.baseUrl).port));
    const activeServer = server;
    const activeFakes = fakes;

    // Progress before the load test: its thousands of requests leave the server busy for a while after.
    await part("progress latency (fake Gemini state change → SSE progress event)", async () => {
      const progress = await runProgressBench(activeServer, activeFakes, plan.progress);
      results.progress = progress;
      console.log(
        `${progress.jobs} jobs, ${progress.missed} expected notifications missed; answer chunks every ${progress.chunkDelayMs} ms`
      );
      console.table(
        Object.fromEntries(
          [...Object.entries(progress.byPair), ["all", progress.all] as const].map(([pair, s]) => [
            pair,
            { samples: s.count, "p50 ms": ms(s.p50), "p99 ms": ms(s.p99), "max ms": ms(s.max) }
          ])
        )
      );
      const slowest = progress.slowest.map(
        (sample) =>
          `${sample.pair} (job ${sample.job}) ${ms(sample.ms)} ms, ${sample.afterPingMs === null ? "before any ping" : `${ms(sample.afterPingMs)} ms after a ping`}`
      );
      console.log(`slowest: ${slowest.join("; ")}`);
    });

    await part("GET /sse → ready", async () => {
      const sseReadyMs: Record<string, Summary> = {};
      sseReadyMs["dev server"] = summarize(await measureSseReady(activeServer.baseUrl, activeServer.secret, plan.sseReady));
      if (direct) sseReadyMs["workerd direct"] = summarize(await measureSseReady(direct, activeServer.secret, plan.sseReady));
      results.sseReadyMs = sseReadyMs;
      console.table(
        Object.fromEntries(
          Object.entries(sseReadyMs).map(([via, s]) => [
            via,
            { opens: s.count, "p50 ms": ms(s.p50), "p99 ms": ms(s.p99), "max ms": ms(s.max) }
          ])
        )
      );
    });

    await part("tools/list latency and throughput", async () => {
      const targets = [
        ...ourTargets(activeServer, activeServer.baseUrl, "dev server"),
        ...(direct ? ourTargets(activeServer, direct, "workerd direct") : []),
        anchorTarget(anchor!)
      ];
      results.toolsList = await measureToolsList(targets);
      printToolsList(results.toolsList, anchorLabel);
    });

    await part(`upload (${plan.uploadMB} MB)`, async () => {
      results.upload = await runUploadBench(activeServer, activeFakes, plan.uploadMB * 1_000_000);
      const upload = results.upload;
      console.table({
        "server (workerd via wrangler)": {
          "MB/s": upload.server.mbPerSecond.toFixed(1),
          "RSS growth MB": upload.server.workerdRssGrowthMB.toFixed(1),
          "open files peak": upload.server.workerdOpenFilesPeak
        },
        "loopback copy (Node)": { "MB/s": upload.loopbackCopy.mbPerSecond.toFixed(1) }
      });
      console.log(`throughput ratio server / loopback copy: ${upload.throughputRatio.toFixed(2)}`);
    });

    await part(`sessions (${plan.sessions.counts.join(", ")} held ${plan.sessions.holdSeconds} s)`, async () => {
      results.sessions = await runSessionsBench(activeServer, { ...plan.sessions, pingSeconds: PING_SECONDS });
    });
  } finally {
    clearTimeout(watchdog);
    await cleanup();
  }

  results.targets = evaluateTargets(results, anchorLabel);
  results.machine.loadAverageAtEnd = loadavg().map((value) => Number(value.toFixed(2)));
  console.log("\n== Summary");
  if (results.bundle) {
    console.log(
      `bundle: ${(results.bundle.bytes / 1024).toFixed(1)} KiB, ${(results.bundle.gzipBytes / 1024).toFixed(1)} KiB gzip (wrangler: ${results.bundle.wranglerSays ?? "?"})`
    );
  }
  console.table(
    Object.fromEntries(results.targets.map(({ target, measured, met }) => [target, { measured, met: met ? "yes" : "NO" }]))
  );
  for (const error of results.errors) console.log(`error: ${error}`);
  mkdirSync(dirname(values.json), { recursive: true });
  writeFileSync(values.json, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`Figures written to ${values.json}`);
  if (results.errors.length > 0) process.exitCode = 1;
}

await main();
