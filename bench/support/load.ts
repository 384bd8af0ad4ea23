/**
 * Request loops for latency and throughput, each bounded both in count and
 * in time. A failed call counts as a failure (its latency is not kept) and
 * too many failures stop the loop: a benchmark of errors means nothing.
 */
import { summarize, type Summary } from "./stats";

/** Stop a loop once this many calls failed. */
const MAX_FAILURES = 20;

export interface LatencyResult {
  /** Milliseconds per call, over the calls that succeeded. */
  latencyMs: Summary;
  failures: number;
  /** True when the time bound ended the loop before `count` calls. */
  timedOut: boolean;
  firstError?: string;
}

export interface ThroughputResult extends LatencyResult {
  concurrency: number;
  requests: number;
  seconds: number;
  requestsPerSecond: number;
}

interface Bounds {
  /** Calls before measuring (bounded by the same time limit). */
  warmup?: number;
  count: number;
  timeLimitMs: number;
}

/** `call` one at a time, `count` times after the warm-up, or until the time is up. */
export async function measureSequential(call: () => Promise<unknown>, bounds: Bounds): Promise<LatencyResult> {
  const deadline = performance.now() + bounds.timeLimitMs;
  for (let i = 0; i < (bounds.warmup ?? 0) && performance.now() < deadline; i++) await call();
  const latencies: number[] = [];
  let failures = 0;
  let firstError: string | undefined;
  let done = 0;
  while (done < bounds.count && performance.now() < deadline && failures < MAX_FAILURES) {
    const started = performance.now();
    try {
      await call();
      latencies.push(performance.now() - started);
    } catch (error) {
      failures += 1;
      firstError ??= String(error);
    }
    done += 1;
  }
  return {
    latencyMs: summarize(latencies),
    failures,
    timedOut: done < bounds.count && failures < MAX_FAILURES,
    ...(firstError ? { firstError } : {})
  };
}

/**
 * `concurrency` callers, each calling in a loop (caller i uses `calls[i]`),
 * until `count` calls have been started in all or the time is up; the rate
 * is completed calls over the wall time from the first start to the last end.
 */
export async function measureThroughput(calls: (() => Promise<unknown>)[], bounds: Bounds): Promise<ThroughputResult> {
  const deadline = performance.now() + bounds.timeLimitMs;
  // Warm-up: every caller once, so connections and sessions are open.
  await Promise.all(calls.map((call) => call()));
  const latencies: number[] = [];
  let started = 0;
  let failures = 0;
  let firstError: string | undefined;
  const begin = performance.now();
  await Promise.all(
    calls.map(async (call) => {
      while (started < bounds.count && performance.now() < deadline && failures < MAX_FAILURES) {
        started += 1;
        const at = performance.now();
        try {
          await call();
          latencies.push(performance.now() - at);
        } catch (error) {
          failures += 1;
          firstError ??= String(error);
        }
      }
    })
  );
  const seconds = (performance.now() - begin) / 1000;
  return {
    concurrency: calls.length,
    requests: latencies.length,
    seconds,
    requestsPerSecond: latencies.length / seconds,
    latencyMs: summarize(latencies),
    failures,
    timedOut: started < bounds.count && failures < MAX_FAILURES,
    ...(firstError ? { firstError } : {})
  };
}
