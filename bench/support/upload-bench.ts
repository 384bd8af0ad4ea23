/**
 * The upload benchmark as a function: streams a video of `sizeBytes` through
 * `analyzeRemoteVideo` on a running server into the fake Gemini, samples the
 * workerd processes' RSS and open files, checks the bytes, then copies the
 * same bytes source → fake Gemini directly from Node in the same 8 MiB chunks
 * as the anchor. Used by `npm run bench:upload` and `npm run bench`.
 */
import type { FakeVideo } from "../../test/support/fake-video";
import type { Fakes } from "./fakes";
import { findWorkerd, watchProcesses } from "./processes";

const CHUNK = 8 * 1024 * 1024;

export interface BenchServer {
  baseUrl: string;
  secret: string;
  /** The process whose tree holds workerd. */
  pid: number;
}

export interface UploadFigures {
  sizeMB: number;
  server: {
    seconds: number;
    mbPerSecond: number;
    workerdBaselineRssMB: number;
    workerdPeakRssMB: number;
    workerdRssGrowthMB: number;
    workerdOpenFilesBaseline: number;
    workerdOpenFilesPeak: number;
    workerdOpenFilesAfter: number;
    processes: { pid: number; baselineRssMB: number; peakRssMB: number }[];
  };
  loopbackCopy: { seconds: number; mbPerSecond: number };
  throughputRatio: number;
  bytesVerified: boolean;
}

const mb = (bytes: number) => bytes / 1_000_000;
const format = (value: number, digits = 1) => value.toFixed(digits);

/** The anchor: the same bytes, source → Files API fake, from Node, chunk by chunk. `open` starts reading the source. */
export async function loopbackCopy(
  open: () => Promise<AsyncIterable<Uint8Array>>,
  geminiUrl: string,
  sizeBytes: number
): Promise<number> {
  const started = performance.now();
  const start = await fetch(`${geminiUrl}/upload/v1beta/files`, {
    method: "POST",
    headers: {
      "x-goog-api-key": "bench",
      "X-Goog-Upload-Protocol": "resumable",
      "X-Goog-Upload-Command": "start",
      "X-Goog-Upload-Header-Content-Type": "video/mp4",
      "Content-Type": "application/json"
    },
    body: "{}"
  });
  const uploadUrl = start.headers.get("x-goog-upload-url")!;
  const source = await open();
  const buffer = new Uint8Array(CHUNK);
  let filled = 0;
  let offset = 0;
  const flush = async (last: boolean) => {
    const response = await fetch(uploadUrl, {
      method: "POST",
      headers: {
        "x-goog-api-key": "bench",
        "X-Goog-Upload-Command": last ? "upload, finalize" : "upload",
        "X-Goog-Upload-Offset": String(offset)
      },
      body: buffer.subarray(0, filled)
    });
    await response.arrayBuffer();
    offset += filled;
    filled = 0;
  };
  for await (const value of source) {
    let from = 0;
    while (from < value.byteLength) {
      const take = Math.min(CHUNK - filled, value.byteLength - from);
      buffer.set(value.subarray(from, from + take), filled);
      filled += take;
      from += take;
      if (filled === CHUNK && offset + filled < sizeBytes) await flush(false);
    }
  }
  await flush(true);
  return (performance.now() - started) / 1000;
}

export async function runUploadBench(server: BenchServer, fakes: Fakes, sizeBytes: number): Promise<UploadFigures> {
  const { gemini } = fakes;
  const video: FakeVideo = { size: sizeBytes };
  const videoUrl = fakes.videos.add(`/bench-${sizeBytes}.mp4`, video);
  const workerd = findWorkerd(server.pid);
  if (workerd.length === 0) throw new Error("Could not find the workerd process");
  // Warm up: one small call so the Worker and the Durable Object class are loaded.
  await callTool(server, { name: "listVideoAnalyses", arguments: {} });
  const watch = watchProcesses(workerd);
  const perProcess = workerd.map((pid) => ({ pid, watch: watchProcesses([pid]) }));
  const started = performance.now();
  const result = await callTool(server, { name: "analyzeRemoteVideo", arguments: { videoUrl, prompt: "bench" } });
  const seconds = (performance.now() - started) / 1000;
  const { baseline, peak, last } = watch.stop();
  const processes = perProcess.map(({ pid, watch: one }) => {
    const sample = one.stop();
    return { pid, baselineRssMB: mb(sample.baseline.rssBytes), peakRssMB: mb(sample.peak.rssBytes) };
  });
  if (result.isError) throw new Error(`The analysis failed: ${JSON.stringify(result.content)}`);
  const upload = [...gemini.uploads.values()].at(-1)!;
  if (upload.received !== sizeBytes) throw new Error(`Fake Gemini received ${upload.received} of ${sizeBytes} bytes`);

  const anchorSeconds = await loopbackCopy(async () => (await fetch(videoUrl)).body!, fakes.geminiUrl, sizeBytes);
  const anchorUpload = [...gemini.uploads.values()].at(-1)!;
  if (anchorUpload.crc.digest() !== upload.crc.digest()) throw new Error("The anchor copy's bytes differ");

  return {
    sizeMB: mb(sizeBytes),
    server: {
      seconds,
      mbPerSecond: mb(sizeBytes) / seconds,
      workerdBaselineRssMB: mb(baseline.rssBytes),
      workerdPeakRssMB: mb(peak.rssBytes),
      workerdRssGrowthMB: mb(peak.rssBytes - baseline.rssBytes),
      workerdOpenFilesBaseline: baseline.openFiles,
      workerdOpenFilesPeak: peak.openFiles,
      workerdOpenFilesAfter: last.openFiles,
      processes
    },
    loopbackCopy: { seconds: anchorSeconds, mbPerSecond: mb(sizeBytes) / anchorSeconds },
    throughputRatio: mb(sizeBytes) / seconds / (mb(sizeBytes) / anchorSeconds),
    bytesVerified: true
  };
}

export function printUploadFigures(figures: UploadFigures): void {
  console.log(`\nUpload benchmark: ${format(figures.sizeMB, 0)} MB, 8 MiB chunks, loopback only\n`);
  console.table({
    "server (workerd via wrangler)": { "MB/s": format(figures.server.mbPerSecond), seconds: format(figures.server.seconds) },
    "loopback copy (Node)": { "MB/s": format(figures.loopbackCopy.mbPerSecond), seconds: format(figures.loopbackCopy.seconds) }
  });
  console.log(`throughput ratio server / loopback copy: ${format(figures.throughputRatio, 2)}`);
  for (const one of figures.server.processes) {
    console.log(`  workerd ${one.pid}: ${format(one.baselineRssMB)} MB before, ${format(one.peakRssMB)} MB peak`);
  }
  const { server } = figures;
  console.log(
    `workerd RSS: ${format(server.workerdBaselineRssMB)} MB before, ${format(server.workerdPeakRssMB)} MB peak (growth ${format(server.workerdRssGrowthMB)} MB)`
  );
  console.log(
    `workerd open files: ${server.workerdOpenFilesBaseline} before, ${server.workerdOpenFilesPeak} peak, ${server.workerdOpenFilesAfter} after`
  );
}

async function callTool(server: BenchServer, params: Record<string, unknown>) {
  const response = await fetch(`${server.baseUrl}/rpc`, {
    method: "POST",
    headers: { Authorization: `Bearer ${server.secret}`, "Content-Type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params })
  });
  const body = (await response.json()) as { result: { isError?: boolean; content: unknown } };
  return body.result;
}
