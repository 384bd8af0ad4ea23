/**
 * The concurrent-sessions benchmark as a function: opens N `GET /sse`
 * sessions on a running server (one connection each, in waves of 200),
 * holds them, and reports the time to open them, the share of expected pings
 * delivered, and workerd's RSS per session. Used by `npm run bench:sessions`
 * and `npm run bench`. The server must ping every `pingSeconds`.
 */
import { request as httpRequest } from "node:http";
import { findWorkerd, isRunning, openFileLimit, openFilesEach, sampleProcesses } from "./processes";
import type { BenchServer } from "./upload-bench";

const OPEN_TIMEOUT_MS = 120_000;
/** A stream whose endpoint event has not come by then counts as failed. */
const STREAM_OPEN_TIMEOUT_MS = 20_000;
const WAVE = 200;

interface Stream {
  pings: number;
  close(): void;
}

export interface SessionsRow {
  sessions: number;
  opened: number;
  failed: number;
  "open s": number;
  "pings delivered %": number;
  "RSS per session KB": number;
  "workerd RSS MB": number;
  /** Open files of the busiest workerd process while the sessions were held, and its limit. */
  "workerd files": number;
  "files limit": number;
  /** workerd processes that exited during the row (a crash). */
  "workerd exited": number;
}

/** Opens GET /sse on its own connection; resolves once the endpoint event arrived. */
function openStream(baseUrl: string, secret: string): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      `${baseUrl}/sse`,
      { agent: false, headers: { Authorization: `Bearer ${secret}` } },
      (response) => {
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
          for (let end = text.indexOf("\n\n"); end >= 0; end = text.indexOf("\n\n")) {
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
      }
    );
    request.on("error", reject);
    request.setTimeout(STREAM_OPEN_TIMEOUT_MS, () => {
      request.destroy(new Error(`no endpoint event within ${STREAM_OPEN_TIMEOUT_MS / 1000} s`));
    });
    request.end();
  });
}

/**
 * One row per entry of `counts`, in order; `onFailures` gets the first
 * failure of a row that had any (to show the server's log next to it).
 */
export async function runSessionsBench(
  server: BenchServer,
  options: { counts: number[]; holdSeconds: number; pingSeconds: number; onFailures?: (first: string) => void }
): Promise<SessionsRow[]> {
  const { holdSeconds, pingSeconds } = options;
  const rows: SessionsRow[] = [];
  for (const count of options.counts) {
    // Found again for every row: wrangler restarts a runtime that crashed.
    const workerd = findWorkerd(server.pid);
    const before = sampleProcesses(workerd);
    const started = performance.now();
    const streams: Stream[] = [];
    const failures: string[] = [];
    // Open in waves so the loopback backlog is never the bottleneck being
    // measured; stop (and report how far it got) when opening takes too long.
    for (let i = 0; i < count && performance.now() - started < OPEN_TIMEOUT_MS; i += WAVE) {
      const wave = await Promise.allSettled(
        Array.from({ length: Math.min(WAVE, count - i) }, () => openStream(server.baseUrl, server.secret))
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
    const files = openFilesEach(workerd);
    const busiest = workerd[files.indexOf(Math.max(...files))];
    const perStream = Math.floor(heldSeconds / pingSeconds);
    const expected = streams.length * perStream;
    const delivered = streams.reduce((sum, stream) => sum + Math.min(stream.pings, perStream), 0);
    for (const stream of streams) stream.close();
    const row: SessionsRow = {
      sessions: count,
      opened: streams.length,
      failed: failures.length,
      "open s": Number(openSeconds.toFixed(2)),
      "pings delivered %": Number(((100 * delivered) / Math.max(1, expected)).toFixed(2)),
      "RSS per session KB": Number(((during.rssBytes - before.rssBytes) / Math.max(1, streams.length) / 1024).toFixed(1)),
      "workerd RSS MB": Number((during.rssBytes / 1_000_000).toFixed(1)),
      "workerd files": Math.max(...files),
      "files limit": (busiest === undefined ? undefined : openFileLimit(busiest)) ?? 0,
      "workerd exited": workerd.filter((pid) => !isRunning(pid)).length
    };
    rows.push(row);
    console.log(row, failures.slice(0, 1));
    if (failures.length > 0 || row["workerd exited"] > 0) options.onFailures?.(failures[0] ?? "a workerd process exited");
    if (count !== options.counts.at(-1)) await new Promise((resolve) => setTimeout(resolve, 3_000));
  }
  return rows;
}
