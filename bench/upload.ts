/**
 * `npm run bench:upload`: streams a large video (500 MB by default) through
 * the running server (workerd via wrangler, as `npm run dev`) into a local fake Gemini, and measures
 * throughput and the workerd process's memory and open files; then copies the
 * same bytes source → fake Gemini directly from Node, in the same 8 MiB
 * chunks, as the anchor. Loopback only; bounded in size and time.
 *
 *   npm run bench:upload -- --mb 500
 */
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { FakeGemini, type Digest } from "../test/support/fake-gemini";
import { FakeVideoHost, type FakeVideo } from "../test/support/fake-video";
import { serveOnLoopback } from "../test/node/support/node-server";
import { startDevServer } from "../test/node/support/dev-server";
import { findWorkerd, watchProcesses } from "./support/processes";

const { values } = parseArgs({ options: { mb: { type: "string", default: "500" } } });
const sizeBytes = Math.round(Number(values.mb) * 1_000_000);
const CHUNK = 8 * 1024 * 1024;
const TIME_LIMIT_MS = 15 * 60_000;

class Md5Digest implements Digest {
  private readonly hash = createHash("md5");
  update(bytes: Uint8Array) {
    this.hash.update(bytes);
  }
  digest() {
    return this.hash.digest("hex");
  }
}

const mb = (bytes: number) => bytes / 1_000_000;
const format = (value: number, digits = 1) => value.toFixed(digits);

/** The anchor: the same bytes, source → Files API fake, from Node, chunk by chunk. */
async function loopbackCopy(videoUrl: string, geminiUrl: string): Promise<number> {
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
  const source = await fetch(videoUrl);
  const reader = source.body!.getReader();
  const buffer = new Uint8Array(CHUNK);
  let filled = 0;
  let offset = 0;
  const flush = async (last: boolean) => {
    const response = await fetch(uploadUrl, {
      method: "POST",
      headers: { "x-goog-api-key": "bench", "X-Goog-Upload-Command": last ? "upload, finalize" : "upload", "X-Goog-Upload-Offset": String(offset) },
      body: buffer.subarray(0, filled)
    });
    await response.arrayBuffer();
    offset += filled;
    filled = 0;
  };
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
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

async function main(): Promise<void> {
  const gemini = new FakeGemini(() => new Md5Digest());
  const geminiServer = await serveOnLoopback((request) => gemini.handle(request));
  let videos: FakeVideoHost | undefined;
  const videoServer = await serveOnLoopback((request) => videos!.handle(request));
  videos = new FakeVideoHost(videoServer.url);
  const video: FakeVideo = { size: sizeBytes };
  const videoUrl = videos.add("/bench.mp4", video);
  const server = await startDevServer({
    GOOGLE_API_KEY: "bench",
    GEMINI_BASE_URL: geminiServer.url,
    ALLOW_PRIVATE_VIDEO_URLS: "true",
    MAX_VIDEO_BYTES: String(sizeBytes * 2)
  });
  const timeout = setTimeout(() => {
    console.error(`Benchmark exceeded ${TIME_LIMIT_MS / 60_000} minutes; stopping.`);
    void server.stop().then(() => process.exit(1));
  }, TIME_LIMIT_MS);
  try {
    const workerd = findWorkerd(server.pid);
    if (workerd.length === 0) throw new Error("Could not find the workerd process");
    // Warm up: one small call so the Worker and the Durable Object class are loaded.
    await rpc(server, { name: "listVideoAnalyses", arguments: {} });
    const watch = watchProcesses(workerd);
    const perProcess = workerd.map((pid) => ({ pid, watch: watchProcesses([pid]) }));
    const started = performance.now();
    const result = await rpc(server, { name: "analyzeRemoteVideo", arguments: { videoUrl, prompt: "bench" } });
    const seconds = (performance.now() - started) / 1000;
    const { baseline, peak, last } = watch.stop();
    const processes = perProcess.map(({ pid, watch: one }) => {
      const sample = one.stop();
      return { pid, baselineRssMB: mb(sample.baseline.rssBytes), peakRssMB: mb(sample.peak.rssBytes) };
    });
    if (result.isError) throw new Error(`The analysis failed: ${JSON.stringify(result.content)}`);
    const upload = [...gemini.uploads.values()].at(-1)!;
    if (upload.received !== sizeBytes) throw new Error(`Fake Gemini received ${upload.received} of ${sizeBytes} bytes`);

    const anchorSeconds = await loopbackCopy(videoUrl, geminiServer.url);
    const anchorUpload = [...gemini.uploads.values()].at(-1)!;
    if (anchorUpload.crc.digest() !== upload.crc.digest()) throw new Error("The anchor copy's bytes differ");

    const figures = {
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
    console.log(`\nUpload benchmark: ${format(figures.sizeMB, 0)} MB, 8 MiB chunks, loopback only\n`);
    console.table({
      "server (workerd via wrangler)": { "MB/s": format(figures.server.mbPerSecond), seconds: format(seconds) },
      "loopback copy (Node)": { "MB/s": format(figures.loopbackCopy.mbPerSecond), seconds: format(anchorSeconds) }
    });
    console.log(`throughput ratio server / loopback copy: ${format(figures.throughputRatio, 2)}`);
    for (const one of processes) {
      console.log(`  workerd ${one.pid}: ${format(one.baselineRssMB)} MB before, ${format(one.peakRssMB)} MB peak`);
    }
    console.log(
      `workerd RSS: ${format(figures.server.workerdBaselineRssMB)} MB before, ${format(figures.server.workerdPeakRssMB)} MB peak (growth ${format(figures.server.workerdRssGrowthMB)} MB)`
    );
    console.log(
      `workerd open files: ${baseline.openFiles} before, ${peak.openFiles} peak, ${last.openFiles} after`
    );
    mkdirSync(join("bench", "results"), { recursive: true });
    writeFileSync(join("bench", "results", "upload.json"), `${JSON.stringify(figures, null, 2)}\n`);
  } catch (error) {
    console.error(server.output().slice(-4000));
    throw error;
  } finally {
    clearTimeout(timeout);
    await server.stop();
    await geminiServer.close();
    await videoServer.close();
  }
}

async function rpc(server: { baseUrl: string; secret: string }, params: Record<string, unknown>) {
  const response = await fetch(`${server.baseUrl}/rpc`, {
    method: "POST",
    headers: { Authorization: `Bearer ${server.secret}`, "Content-Type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params })
  });
  const body = (await response.json()) as { result: { isError?: boolean; content: unknown } };
  return body.result;
}

await main();
