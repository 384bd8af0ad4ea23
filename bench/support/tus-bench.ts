/**
 * The upload benchmark for the user's own files (`--source tus`). One
 * client (`tus-client.ts`, in its own process as a user's machine is,
 * reading a local file) sends the same bytes four ways, alternating in
 * rounds so a slower minute of a shared machine falls on each:
 *
 * - `devFront`: to `/uploads` as `npm run dev` serves it (a creation, then
 *   PATCHes of 64 MiB, the largest the server takes), through the dev
 *   server's TCP front (scripts/tcp-front.mjs, a Node splice) into workerd,
 *   the upload's object and the fake Gemini;
 * - `workerd`: the same, sent to workerd's own socket, as deployed, where
 *   Cloudflare's edge is the front and no process of ours splices bytes;
 * - `nodeCopy`, the anchor: the same PATCHes to a plain Node server that
 *   copies them into the fake (`node-relay.ts`, with `loopbackCopy`, the URL
 *   benchmark's anchor, fed by the PATCH bodies as that one is fed by the
 *   video host);
 * - `clientDirect`: the client copying its file straight to the fake, as a
 *   client that uploads to Gemini itself would.
 *
 * Every upload's bytes are checked at the fake (each received once, all
 * alike). Then two uploads of half the size at once through the front.
 * workerd's RSS is sampled throughout.
 */
import { join } from "node:path";
import type { FakeVideo } from "../../test/support/fake-video";
import { type ProcessGroup, sleep, spawnProcessGroup } from "../../test/node/support/process-group";
import type { Digest } from "../../test/support/fake-gemini";
import type { Fakes } from "./fakes";
import { cpuSeconds, directWorkerUrl, findWorkerd, watchProcesses } from "./processes";
import type { TusClientInput, TusClientOutput } from "./tus-client";
import { percentile } from "./stats";
import type { BenchServer } from "./upload-bench";

const ROOT = join(import.meta.dirname, "..", "..");
const CLIENT_SCRIPT = join(import.meta.dirname, "tus-client.ts");
const RELAY_SCRIPT = join(import.meta.dirname, "node-relay.ts");
const RELAY_READY_TIMEOUT_MS = 30_000;

const median = (values: number[]) => percentile(values, 50);
const mb = (bytes: number) => bytes / 1_000_000;
const format = (value: number, digits = 1) => value.toFixed(digits);

/** The ways the same bytes travel in a round, in the order they run. */
export const PATHS = ["devFront", "workerd", "nodeCopy", "clientDirect"] as const;
export type Path = (typeof PATHS)[number];

const PATH_NAMES: Record<Path, string> = {
  devFront: "tus through npm run dev's front",
  workerd: "tus at workerd's own socket",
  nodeCopy: "plain Node copy (the anchor)",
  clientDirect: "client straight to the fake"
};

/** The comparisons reported: the server's two doors against each of the two anchors. */
export const COMPARISONS = [
  ["workerd", "nodeCopy"],
  ["devFront", "nodeCopy"],
  ["workerd", "clientDirect"],
  ["devFront", "clientDirect"]
] as const satisfies readonly (readonly [Path, Path])[];

/** The processes whose CPU time each upload is charged with. */
export const ROLES = ["workerd", "devFront", "nodeCopy", "fakeGemini", "client"] as const;
export type Role = (typeof ROLES)[number];

/** One round: each path's seconds for the same bytes, and the CPU seconds each process spent on it. */
export interface TusRound {
  seconds: Record<Path, number>;
  cpuSeconds: Record<Path, Record<Role, number>>;
}

export interface TusFigures {
  sizeMB: number;
  rounds: TusRound[];
  /**
   * Each path's median seconds, throughput, CPU seconds by process, and cores
   * busy (all those CPU seconds over the wall time) over the rounds.
   */
  paths: Record<Path, { seconds: number; mbPerSecond: number; cpuSeconds: Record<Role, number>; coresBusy: number }>;
  /** Throughput of the first path over the second's (its seconds over the first's), median of the rounds' ratios. */
  ratios: { server: Path; anchor: Path; median: number; rounds: number[] }[];
  rss: {
    /** During the first upload (through the front). */
    oneUploadGrowthMB: number;
    /** From before the first upload to the highest point of all rounds. */
    allRoundsGrowthMB: number;
    peakMB: number;
  };
  concurrent: { uploads: number; eachMB: number; seconds: number; mbPerSecond: number; workerdRssGrowthMB: number };
  bytesVerified: boolean;
}

/** Starts the plain Node copy in its own process; its URL once it listens. */
async function startRelay(geminiUrl: string): Promise<{ url: string; process: ProcessGroup }> {
  const relay = spawnProcessGroup(["--import", "tsx", RELAY_SCRIPT, geminiUrl], { cwd: ROOT });
  const deadline = Date.now() + RELAY_READY_TIMEOUT_MS;
  for (;;) {
    const url = /http:\/\/127\.0\.0\.1:\d+/.exec(relay.output())?.[0];
    if (url) return { url, process: relay };
    if (relay.exited() || Date.now() > deadline) {
      await relay.stop();
      throw new Error(`The Node relay did not start:\n${relay.output()}`);
    }
    await sleep(50);
  }
}

/** Runs the tus client in its own process on `videos`, at once; each upload's seconds and the wall time. */
async function tusUploads(
  server: Pick<BenchServer, "baseUrl" | "secret">,
  videos: TusClientInput["videos"],
  direct?: TusClientInput["direct"]
): Promise<TusClientOutput> {
  const input: TusClientInput = { baseUrl: server.baseUrl, secret: server.secret, videos, ...(direct ? { direct } : {}) };
  const client = spawnProcessGroup(["--import", "tsx", CLIENT_SCRIPT, JSON.stringify(input)], { cwd: ROOT });
  try {
    const code = await client.exit;
    if (code !== 0) throw new Error(`The tus client failed (exit ${code}):\n${client.output()}`);
    return JSON.parse(client.output().trim().split("\n").at(-1) ?? "") as TusClientOutput;
  } finally {
    await client.stop();
  }
}

export async function runTusBench(server: BenchServer, fakes: Fakes, sizeBytes: number, roundCount: number): Promise<TusFigures> {
  const { gemini } = fakes;
  const workerd = findWorkerd(server.pid);
  if (workerd.length === 0) throw new Error("Could not find the workerd process");
  const workerdUrl = await directWorkerUrl(server.pid, Number(new URL(server.baseUrl).port));
  if (!workerdUrl) throw new Error("Could not find workerd's own socket");
  const one = [{ size: sizeBytes }];
  // Warm up: the Worker and the upload object's class loaded.
  await tusUploads(server, [{ size: 1024 * 1024 }]);

  const relay = await startRelay(fakes.geminiUrl);
  const send: Record<Path, () => Promise<TusClientOutput>> = {
    devFront: () => tusUploads(server, one),
    workerd: () => tusUploads({ ...server, baseUrl: workerdUrl }, one),
    nodeCopy: () => tusUploads({ ...server, baseUrl: relay.url }, one),
    clientDirect: () => tusUploads(server, one, { geminiUrl: fakes.geminiUrl })
  };
  const roles: Record<Exclude<Role, "client">, number[]> = {
    workerd,
    devFront: [server.pid],
    nodeCopy: [relay.process.pid],
    fakeGemini: [process.pid]
  };
  const cpuOfRoles = () => ROLES.map((role) => (role === "client" ? 0 : cpuSeconds(roles[role])));
  const rounds: TusRound[] = [];
  const all = watchProcesses(workerd);
  const firstUpload = watchProcesses(workerd);
  let firstRss: ReturnType<typeof firstUpload.stop> | undefined;
  let digest: ReturnType<Digest["digest"]> | undefined;
  try {
    for (let round = 0; round < roundCount; round++) {
      const seconds: Partial<TusRound["seconds"]> = {};
      const cpu: Partial<TusRound["cpuSeconds"]> = {};
      for (const path of PATHS) {
        const before = cpuOfRoles();
        const sent = await send[path]();
        const after = cpuOfRoles();
        [seconds[path]] = sent.seconds as [number];
        cpu[path] = Object.fromEntries(
          ROLES.map((role, index) => [role, role === "client" ? sent.cpuSeconds : after[index]! - before[index]!])
        ) as Record<Role, number>;
        firstRss ??= firstUpload.stop();
        const upload = lastUpload(gemini, sizeBytes);
        digest ??= upload.crc.digest();
        if (upload.crc.digest() !== digest) throw new Error(`The bytes of ${PATH_NAMES[path]} differ from the first upload's`);
      }
      rounds.push({ seconds: seconds as TusRound["seconds"], cpuSeconds: cpu as TusRound["cpuSeconds"] });
    }
  } finally {
    await relay.process.stop();
  }
  const allRss = all.stop();
  // SAFETY: there is at least one round.
  const firstUploadRss = firstRss!;

  const half: FakeVideo = { size: Math.floor(sizeBytes / 2) };
  const both = watchProcesses(workerd);
  const bothSeconds = (await tusUploads(server, [half, half])).wallSeconds;
  const bothRss = both.stop();
  for (const upload of [...gemini.uploads.values()].slice(-2)) {
    if (upload.received !== half.size || upload.sent !== half.size) throw new Error("A concurrent upload lost or repeated bytes");
  }

  const paths = Object.fromEntries(
    PATHS.map((path) => {
      const seconds = median(rounds.map((round) => round.seconds[path]));
      const cpu = Object.fromEntries(ROLES.map((role) => [role, median(rounds.map((round) => round.cpuSeconds[path][role]))]));
      const coresBusy = median(
        rounds.map((round) => ROLES.reduce((sum, role) => sum + round.cpuSeconds[path][role], 0) / round.seconds[path])
      );
      return [path, { seconds, mbPerSecond: mb(sizeBytes) / seconds, cpuSeconds: cpu, coresBusy }];
    })
  ) as TusFigures["paths"];
  const ratios = COMPARISONS.map(([serverPath, anchor]) => {
    const each = rounds.map((round) => round.seconds[anchor] / round.seconds[serverPath]);
    return { server: serverPath, anchor, median: median(each), rounds: each };
  });
  return {
    sizeMB: mb(sizeBytes),
    rounds,
    paths,
    ratios,
    rss: {
      oneUploadGrowthMB: mb(firstUploadRss.peak.rssBytes - firstUploadRss.baseline.rssBytes),
      allRoundsGrowthMB: mb(allRss.peak.rssBytes - allRss.baseline.rssBytes),
      peakMB: mb(allRss.peak.rssBytes)
    },
    concurrent: {
      uploads: 2,
      eachMB: mb(half.size),
      seconds: bothSeconds,
      mbPerSecond: mb(2 * half.size) / bothSeconds,
      workerdRssGrowthMB: mb(bothRss.peak.rssBytes - bothRss.baseline.rssBytes)
    },
    bytesVerified: true
  };
}

/** The fake's newest upload, checked whole and each byte received once. */
function lastUpload(gemini: Fakes["gemini"], sizeBytes: number) {
  // SAFETY: the caller just uploaded.
  const upload = [...gemini.uploads.values()].at(-1)!;
  if (upload.received !== sizeBytes || upload.sent !== sizeBytes) {
    throw new Error(`Fake Gemini received ${upload.received} (sent ${upload.sent}) of ${sizeBytes} bytes`);
  }
  return upload;
}

export function printTusFigures(figures: TusFigures): void {
  console.log(`\nUpload benchmark (tus): ${format(figures.sizeMB, 0)} MB in 64 MiB PATCHes, loopback only\n`);
  console.log(`medians of ${figures.rounds.length} rounds:`);
  const rows: Record<string, Record<string, string>> = {};
  for (const path of PATHS) {
    const { mbPerSecond, seconds, cpuSeconds, coresBusy } = figures.paths[path];
    rows[PATH_NAMES[path]] = {
      "MB/s": format(mbPerSecond),
      seconds: format(seconds),
      ...Object.fromEntries(ROLES.map((role) => [`CPU s: ${role}`, format(cpuSeconds[role], 2)])),
      "cores busy": format(coresBusy, 2)
    };
  }
  rows[`${figures.concurrent.uploads} × ${format(figures.concurrent.eachMB, 0)} MB at once, through the front`] = {
    "MB/s": format(figures.concurrent.mbPerSecond),
    seconds: format(figures.concurrent.seconds)
  };
  console.table(rows);
  for (const ratio of figures.ratios) {
    const each = ratio.rounds.map((value) => format(value, 2)).join(", ");
    console.log(`${PATH_NAMES[ratio.server]} / ${PATH_NAMES[ratio.anchor]}: ${format(ratio.median, 2)} (rounds: ${each})`);
  }
  const { rss } = figures;
  console.log(
    `workerd RSS growth: ${format(rss.oneUploadGrowthMB)} MB for one upload, ${format(rss.allRoundsGrowthMB)} MB over all rounds (peak ${format(rss.peakMB)} MB), ${format(figures.concurrent.workerdRssGrowthMB)} MB for two at once`
  );
}
