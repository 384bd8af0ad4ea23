/**
 * The upload benchmark for the user's own files (`--source tus`): the bytes
 * go to `/uploads` as a Node tus client sends them (`tus-client.ts`, in its
 * own process as a user's machine is, reading a local file: a creation,
 * then PATCHes of 64 MiB, the largest the server takes), through workerd
 * into the fake Gemini. The anchor is the same client process copying the
 * same bytes straight to the fake in 8 MiB chunks, as a client that uploads
 * to Gemini itself would.
 * Rounds alternate the two; then two uploads of half the size at once.
 * workerd's RSS is sampled throughout.
 */
import { join } from "node:path";
import type { FakeVideo } from "../../test/support/fake-video";
import { spawnProcessGroup } from "../../test/node/support/process-group";
import type { Fakes } from "./fakes";
import { findWorkerd, watchProcesses } from "./processes";
import type { TusClientInput, TusClientOutput } from "./tus-client";
import { percentile } from "./stats";
import type { BenchServer } from "./upload-bench";

const ROOT = join(import.meta.dirname, "..", "..");
const CLIENT_SCRIPT = join(import.meta.dirname, "tus-client.ts");

const median = (values: number[]) => percentile(values, 50);
const mb = (bytes: number) => bytes / 1_000_000;
const format = (value: number, digits = 1) => value.toFixed(digits);

export interface TusRound {
  tusSeconds: number;
  loopbackCopySeconds: number;
  /** This round's tus throughput over its own anchor's. */
  ratio: number;
}

export interface TusFigures {
  sizeMB: number;
  /** Each round: one upload through the server, then the anchor on the same bytes. */
  rounds: TusRound[];
  /** Medians over the rounds. */
  tus: {
    seconds: number;
    mbPerSecond: number;
    /** During the first upload. */
    workerdRssGrowthMB: number;
    /** From before the first upload to the highest point of all rounds. */
    workerdRssGrowthAllRoundsMB: number;
    workerdPeakRssMB: number;
  };
  loopbackCopy: { seconds: number; mbPerSecond: number };
  throughputRatio: number;
  concurrent: { uploads: number; eachMB: number; seconds: number; mbPerSecond: number; workerdRssGrowthMB: number };
  bytesVerified: boolean;
}

/** Runs the tus client in its own process on `videos`, at once; each upload's seconds and the wall time. */
async function tusUploads(
  server: BenchServer,
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
  const one = [{ size: sizeBytes }];
  // Warm up: the Worker and the upload object's class loaded.
  await tusUploads(server, [{ size: 1024 * 1024 }]);

  // Rounds alternate the two paths, so a slower minute of a shared machine falls on both.
  const rounds: TusRound[] = [];
  const all = watchProcesses(workerd);
  const firstUpload = watchProcesses(workerd);
  let firstRss: ReturnType<typeof firstUpload.stop> | undefined;
  for (let round = 0; round < roundCount; round++) {
    const [tusSeconds] = (await tusUploads(server, one)).seconds as [number];
    firstRss ??= firstUpload.stop();
    const upload = [...gemini.uploads.values()].at(-1)!;
    if (upload.received !== sizeBytes || upload.sent !== sizeBytes) {
      throw new Error(`Fake Gemini received ${upload.received} (sent ${upload.sent}) of ${sizeBytes} bytes`);
    }
    const [loopbackCopySeconds] = (await tusUploads(server, one, { geminiUrl: fakes.geminiUrl })).seconds as [number];
    const anchor = [...gemini.uploads.values()].at(-1)!;
    if (anchor.crc.digest() !== upload.crc.digest()) throw new Error("The tus upload's bytes differ from the source's");
    rounds.push({ tusSeconds, loopbackCopySeconds, ratio: loopbackCopySeconds / tusSeconds });
  }
  const allRss = all.stop();
  // SAFETY: there is at least one round.
  const firstUploadRss = firstRss!;
  const seconds = median(rounds.map((round) => round.tusSeconds));
  const anchorSeconds = median(rounds.map((round) => round.loopbackCopySeconds));

  const half: FakeVideo = { size: Math.floor(sizeBytes / 2) };
  const both = watchProcesses(workerd);
  const bothSeconds = (await tusUploads(server, [half, half])).wallSeconds;
  const bothRss = both.stop();
  for (const upload of [...gemini.uploads.values()].slice(-2)) {
    if (upload.received !== half.size || upload.sent !== half.size) throw new Error("A concurrent upload lost or repeated bytes");
  }

  return {
    sizeMB: mb(sizeBytes),
    rounds,
    tus: {
      seconds,
      mbPerSecond: mb(sizeBytes) / seconds,
      workerdRssGrowthMB: mb(firstUploadRss.peak.rssBytes - firstUploadRss.baseline.rssBytes),
      workerdRssGrowthAllRoundsMB: mb(allRss.peak.rssBytes - allRss.baseline.rssBytes),
      workerdPeakRssMB: mb(allRss.peak.rssBytes)
    },
    loopbackCopy: { seconds: anchorSeconds, mbPerSecond: mb(sizeBytes) / anchorSeconds },
    throughputRatio: median(rounds.map((round) => round.ratio)),
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

export function printTusFigures(figures: TusFigures): void {
  console.log(`\nUpload benchmark (tus): ${format(figures.sizeMB, 0)} MB in 64 MiB PATCHes, loopback only\n`);
  console.log("medians of the rounds:");
  console.table({
    "tus through the server": { "MB/s": format(figures.tus.mbPerSecond), seconds: format(figures.tus.seconds) },
    "loopback copy (Node)": { "MB/s": format(figures.loopbackCopy.mbPerSecond), seconds: format(figures.loopbackCopy.seconds) },
    [`${figures.concurrent.uploads} × ${format(figures.concurrent.eachMB, 0)} MB at once`]: {
      "MB/s": format(figures.concurrent.mbPerSecond),
      seconds: format(figures.concurrent.seconds)
    }
  });
  const each = figures.rounds.map((round) => format(round.ratio, 2)).join(", ");
  console.log(`throughput ratio tus / loopback copy: ${format(figures.throughputRatio, 2)} (median of rounds: ${each})`);
  console.log(
    `workerd RSS growth: ${format(figures.tus.workerdRssGrowthMB)} MB for one upload, ${format(figures.tus.workerdRssGrowthAllRoundsMB)} MB over ${figures.rounds.length} one after another (peak ${format(figures.tus.workerdPeakRssMB)} MB), ${format(figures.concurrent.workerdRssGrowthMB)} MB for two at once`
  );
}
