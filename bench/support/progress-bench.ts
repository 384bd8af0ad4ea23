/**
 * Progress latency: from a state change at the fake Gemini to the matching
 * `notifications/progress` read on the session's SSE stream.
 *
 * One `GET /sse` session stays open; jobs run one after another, each an
 * `analyzeRemoteVideo` call on `/rpc` with that session's id and its own
 * progress token, on its own 1 MB video (one upload chunk; a URL of its own,
 * or the session would reuse the first upload). The fake Gemini reports
 * its state changes (`FakeGeminiEvent`) to this process, which stamps them
 * with `performance.now()`, the same clock that stamps the SSE events. Pairs:
 *
 * - the upload finalized (the file exists) → "Gemini is processing the video";
 * - the poll answered ACTIVE → "counting the video's input tokens" (the
 *   server's reaction; the count itself is a Gemini round trip before
 *   "Gemini is watching the video");
 * - each streamed answer chunk → "generating: N characters" (N the answer so far).
 *
 * Each of these is a new kind of message for the server's progress reporter,
 * or (chunks) comes more than 100 ms after the previous one, so none is
 * held back by its per-kind throttle: the figure is the server's reaction
 * time, not the throttle. A pair whose notification never came is counted as
 * missed. Upload byte counts within a stage are throttled by design and are
 * not measured.
 */
import type { FakeGeminiEvent } from "../../test/support/fake-gemini";
import type { Fakes } from "./fakes";
import { openSse } from "./sse-client";
import { summarize, type Summary } from "./stats";
import type { BenchServer } from "./upload-bench";

/** Well above the server's 100 ms per-kind throttle, so every chunk is reported. */
const CHUNK_DELAY_MS = 300;
const ANSWER_CHUNKS = ["The video opens ", "on a cat at 00:05, ", "then a dog runs in at 01:10 ", "and they play until the end."];
const VIDEO_BYTES = 1_000_000;
/** How long to wait for a job's last notifications after its reply. */
const SETTLE_MS = 2_000;

export type ProgressPair = "finalized→processing" | "active→counting" | "chunk→generating";

/** One of the slowest pairs, and where it fell against the session's pings (alarm work). */
export interface SlowSample {
  pair: ProgressPair;
  job: number;
  ms: number;
  /** From the last ping read before the state change to the change, in ms. */
  afterPingMs: number | null;
}

export interface ProgressFigures {
  jobs: number;
  slowest: SlowSample[];
  /** Milliseconds, over every pair. */
  all: Summary;
  byPair: Record<ProgressPair, Summary>;
  missed: number;
  chunkDelayMs: number;
}

interface Notification {
  token: string;
  message: string;
  at: number;
}

export async function runProgressBench(
  server: BenchServer,
  fakes: Fakes,
  bounds: { jobs: number; timeLimitMs: number }
): Promise<ProgressFigures> {
  const deadline = performance.now() + bounds.timeLimitMs;
  const notifications: Notification[] = [];
  const pings: number[] = [];
  const stream = await openSse(`${server.baseUrl}/sse`, { Authorization: `Bearer ${server.secret}` }, (event) => {
    if (event.event === "ping") pings.push(event.at);
    if (event.event !== "message") return;
    const message = JSON.parse(event.data) as { method?: string; params?: { progressToken: string; message: string } };
    if (message.method === "notifications/progress" && message.params) {
      notifications.push({ token: String(message.params.progressToken), message: message.params.message, at: event.at });
    }
  });
  if (stream.status !== 200 || !stream.sessionId) throw new Error(`GET /sse answered ${stream.status}`);
  const samples: Record<ProgressPair, number[]> = {
    "finalized→processing": [],
    "active→counting": [],
    "chunk→generating": []
  };
  let missed = 0;
  let jobs = 0;
  const all: (SlowSample & { at: number })[] = [];
  try {
    for (let i = 0; i < bounds.jobs && performance.now() < deadline; i++) {
      const token = `progress-${i}`;
      const videoUrl = fakes.videos.add(`/progress-${i}.mp4`, { size: VIDEO_BYTES });
      const events: (FakeGeminiEvent & { at: number })[] = [];
      fakes.gemini.onEvent = (event) => events.push({ ...event, at: performance.now() });
      fakes.gemini.enqueue({ kind: "answer", chunks: ANSWER_CHUNKS, chunkDelayMs: CHUNK_DELAY_MS });
      const response = await fetch(`${server.baseUrl}/rpc`, {
        method: "POST",
        headers: {
          Authorization: `Bearer ${server.secret}`,
          "Content-Type": "application/json",
          "Mcp-Session-Id": stream.sessionId
        },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: i,
          method: "tools/call",
          params: { name: "analyzeRemoteVideo", arguments: { videoUrl, prompt: "bench" }, _meta: { progressToken: token } }
        })
      });
      const reply = (await response.json()) as { result?: { isError?: boolean; content: unknown } };
      if (!reply.result || reply.result.isError) throw new Error(`The analysis failed: ${JSON.stringify(reply)}`);
      const settleBy = performance.now() + SETTLE_MS;
      while (!notifications.some((n) => n.token === token && n.message === "done") && performance.now() < settleBy) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      fakes.gemini.onEvent = undefined;
      jobs += 1;
      const mine = notifications.filter((n) => n.token === token);
      const pair = (kind: ProgressPair, at: number, message: string | RegExp) => {
        const matches = (text: string) => (typeof message === "string" ? text === message : message.test(text));
        const arrival = mine.find((n) => matches(n.message) && n.at >= at);
        if (arrival) {
          samples[kind].push(arrival.at - at);
          all.push({ pair: kind, job: i, ms: arrival.at - at, at, afterPingMs: null });
        } else missed += 1;
      };
      const finalized = events.find((event) => event.kind === "file-finalized");
      const active = events.find((event) => event.kind === "file-polled" && event.state === "ACTIVE");
      if (finalized) pair("finalized→processing", finalized.at, "Gemini is processing the video");
      else missed += 1;
      if (active) pair("active→counting", active.at, "counting the video's input tokens");
      else missed += 1;
      for (const event of events) {
        if (event.kind === "chunk-sent") {
          pair("chunk→generating", event.at, `generating: ${event.textLength.toLocaleString("en-US")} characters`);
        }
      }
    }
  } finally {
    fakes.gemini.onEvent = undefined;
    stream.close();
    await stream.ended;
  }
  const slowest = all
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 3)
    .map(({ at, ...sample }) => {
      const lastPing = pings.filter((ping) => ping <= at).at(-1);
      return { ...sample, afterPingMs: lastPing === undefined ? null : at - lastPing };
    });
  return {
    jobs,
    slowest,
    all: summarize(Object.values(samples).flat()),
    byPair: {
      "finalized→processing": summarize(samples["finalized→processing"]),
      "active→counting": summarize(samples["active→counting"]),
      "chunk→generating": summarize(samples["chunk→generating"])
    },
    missed,
    chunkDelayMs: CHUNK_DELAY_MS
  };
}
