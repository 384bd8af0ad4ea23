/**
 * The upload benchmark for the user's own files (`--source tus`): the bytes
 * go to `/uploads` as a Node tus client sends them (a creation, then PATCHes
 * of 64 MiB, the largest the server takes), through workerd into the fake
 * Gemini; the anchor is the same bytes, from the same video host, copied
 * from Node straight to the fake in 8 MiB chunks, in the same run. Then two uploads of half the size
 * at once. workerd's RSS is sampled throughout.
 */
import http from "node:http";
import type { FakeVideo } from "../../test/support/fake-video";
import type { Fakes } from "./fakes";
import { findWorkerd, watchProcesses } from "./processes";
import { loopbackCopy, type BenchServer } from "./upload-bench";

const PATCH_BYTES = 64 * 1024 * 1024;
const mb = (bytes: number) => bytes / 1_000_000;
const format = (value: number, digits = 1) => value.toFixed(digits);

export interface TusFigures {
  sizeMB: number;
  tus: { seconds: number; mbPerSecond: number; workerdRssGrowthMB: number; workerdPeakRssMB: number };
  loopbackCopy: { seconds: number; mbPerSecond: number };
  throughputRatio: number;
  concurrent: { uploads: number; eachMB: number; seconds: number; mbPerSecond: number; workerdRssGrowthMB: number };
  bytesVerified: boolean;
}

/**
 * One PATCH as a Node tus client sends it (tus-js-client's Node stack:
 * `http.request`, a Content-Length, the body piped from a stream): its
 * bytes are read from the video host, the anchor's own source, as they go.
 */
function patchFromSource(url: string, headers: Record<string, string>, videoUrl: string, offset: number, end: number) {
  return new Promise<{ status: number; offset: number; body: string }>((resolve, reject) => {
    const source = http.get(videoUrl, { headers: { Range: `bytes=${offset}-${end - 1}` } }, (bytes) => {
      if (bytes.statusCode !== 206) {
        reject(new Error(`The video host answered ${bytes.statusCode} to a range`));
        return;
      }
      const patch = http.request(
        url,
        {
          method: "PATCH",
          headers: {
            ...headers,
            "Content-Type": "application/offset+octet-stream",
            "Content-Length": String(end - offset),
            "Upload-Offset": String(offset)
          }
        },
        (response) => {
          let body = "";
          response.setEncoding("utf8").on("data", (text: string) => (body += text));
          response.on("end", () =>
            resolve({ status: response.statusCode ?? 0, offset: Number(response.headers["upload-offset"]), body })
          );
        }
      );
      patch.on("error", reject);
      bytes.on("error", reject).pipe(patch);
    });
    source.on("error", reject);
  });
}

/** One upload of the video at `videoUrl` (`size` bytes) through tus; its seconds. */
async function tusUpload(server: BenchServer, videoUrl: string, size: number): Promise<number> {
  const auth = { Authorization: `Bearer ${server.secret}`, "Tus-Resumable": "1.0.0" };
  const started = performance.now();
  const created = await fetch(`${server.baseUrl}/uploads`, {
    method: "POST",
    headers: { ...auth, "Upload-Length": String(size), "Upload-Metadata": `filename ${btoa("bench.mp4")}` }
  });
  if (created.status !== 201) throw new Error(`Creation answered ${created.status}: ${await created.text()}`);
  const url = created.headers.get("Location")!;
  for (let offset = 0; offset < size; ) {
    const response = await patchFromSource(url, auth, videoUrl, offset, Math.min(offset + PATCH_BYTES, size));
    if (response.status !== 204) throw new Error(`PATCH at ${offset} answered ${response.status}: ${response.body}`);
    if (response.offset <= offset) throw new Error(`PATCH at ${offset} made no progress`);
    offset = response.offset;
  }
  return (performance.now() - started) / 1000;
}

export async function runTusBench(server: BenchServer, fakes: Fakes, sizeBytes: number): Promise<TusFigures> {
  const { gemini } = fakes;
  const workerd = findWorkerd(server.pid);
  if (workerd.length === 0) throw new Error("Could not find the workerd process");
  const video: FakeVideo = { size: sizeBytes };
  const videoUrl = fakes.videos.add(`/tus-bench-${sizeBytes}.mp4`, video);
  // Warm up: the Worker and the upload object's class loaded.
  await tusUpload(server, fakes.videos.add("/tus-bench-warm-up.mp4", { size: 1024 * 1024 }), 1024 * 1024);

  const single = watchProcesses(workerd);
  const seconds = await tusUpload(server, videoUrl, sizeBytes);
  const singleRss = single.stop();
  const upload = [...gemini.uploads.values()].at(-1)!;
  if (upload.received !== sizeBytes || upload.sent !== sizeBytes) {
    throw new Error(`Fake Gemini received ${upload.received} (sent ${upload.sent}) of ${sizeBytes} bytes`);
  }

  const anchorSeconds = await loopbackCopy(videoUrl, fakes.geminiUrl, sizeBytes);
  const anchor = [...gemini.uploads.values()].at(-1)!;
  if (anchor.crc.digest() !== upload.crc.digest()) throw new Error("The tus upload's bytes differ from the source's");

  const half: FakeVideo = { size: Math.floor(sizeBytes / 2) };
  const halves = [1, 2].map((n) => fakes.videos.add(`/tus-bench-half-${n}.mp4`, half));
  const both = watchProcesses(workerd);
  const startedBoth = performance.now();
  await Promise.all(halves.map((url) => tusUpload(server, url, half.size)));
  const bothSeconds = (performance.now() - startedBoth) / 1000;
  const bothRss = both.stop();
  for (const one of [...gemini.uploads.values()].slice(-2)) {
    if (one.received !== half.size || one.sent !== half.size) throw new Error("A concurrent upload lost or repeated bytes");
  }

  return {
    sizeMB: mb(sizeBytes),
    tus: {
      seconds,
      mbPerSecond: mb(sizeBytes) / seconds,
      workerdRssGrowthMB: mb(singleRss.peak.rssBytes - singleRss.baseline.rssBytes),
      workerdPeakRssMB: mb(singleRss.peak.rssBytes)
    },
    loopbackCopy: { seconds: anchorSeconds, mbPerSecond: mb(sizeBytes) / anchorSeconds },
    throughputRatio: anchorSeconds / seconds,
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
  console.table({
    "tus through the server": { "MB/s": format(figures.tus.mbPerSecond), seconds: format(figures.tus.seconds) },
    "loopback copy (Node)": { "MB/s": format(figures.loopbackCopy.mbPerSecond), seconds: format(figures.loopbackCopy.seconds) },
    [`${figures.concurrent.uploads} × ${format(figures.concurrent.eachMB, 0)} MB at once`]: {
      "MB/s": format(figures.concurrent.mbPerSecond),
      seconds: format(figures.concurrent.seconds)
    }
  });
  console.log(`throughput ratio tus / loopback copy: ${format(figures.throughputRatio, 2)}`);
  console.log(
    `workerd RSS growth: ${format(figures.tus.workerdRssGrowthMB)} MB (peak ${format(figures.tus.workerdPeakRssMB)} MB) for one upload, ${format(figures.concurrent.workerdRssGrowthMB)} MB for two at once`
  );
}
