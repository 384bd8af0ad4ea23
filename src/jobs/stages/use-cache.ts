/**
 * `cache`: a question about a video that is asked about again (a
 * follow-up) or will be (`keepForFollowUps`) is asked with a context cache
 * holding the video: the one this session made for the same video, model,
 * clip and resolution, its TTL extended (`CACHE_TTL_SECONDS`), or a new
 * one. A video below the model's minimum cacheable size gets none. A cache
 * is an economy, never a condition: any failure to make or use one leaves
 * the question to go plain (`askWithCache`). The progress message stays
 * the count's ("Gemini is watching the video (N input tokens)").
 * @module
 */
import {
  createVideoCache,
  DEFAULT_CACHE_TTL_SECONDS,
  extendVideoCache,
  isCacheGone,
  minCacheableTokens
} from "../../gemini/caches";
import { describeGeminiError } from "../../gemini/errors";
import { type Job, wantsCache } from "../job";
import type { JobContext } from "../job-context";
import { cacheKeyOf } from "../video-caches";
import { answeredInOneCall } from "./generate-segments";
import { oneStep, type StageRun } from "./stage";
import { videoQuestion } from "./video-question";

/** Tasks' limit for one attempt: a cache is made in seconds. */
const TIMEOUT_MS = 5 * 60_000;

export const useCache = oneStep(
  "cache",
  TIMEOUT_MS,
  // A segmented video's calls each watch their own window, which a cache of the whole cannot serve.
  (job) => job.state === "generating" && wantsCache(job.input) && !job.details.cacheName && answeredInOneCall(job),
  async (run) => {
    try {
      await attachCache(run, { reuse: true });
    } catch (error) {
      if (run.signal.aborted) throw error;
      run.update({ message: `asking without a context cache (${describeGeminiError(error)})` });
    }
  }
);

const ttlSecondsOf = (context: JobContext) => context.gemini.cacheTtlSeconds ?? DEFAULT_CACHE_TTL_SECONDS;

/** The job's input tokens as counted (or estimated), when known. */
function inputTokensOf(job: Job): number | undefined {
  return job.details.countedTokens ?? job.details.estimatedTokens;
}

/**
 * Names a cache of the job's video in its details: a kept one (extended)
 * when `reuse`, else a new one; nothing when the video is too small to
 * cache. Throws Gemini's refusal.
 */
async function attachCache(run: StageRun, { reuse }: { reuse: boolean }): Promise<void> {
  const { job, context } = run;
  const { cacheName: _, ...details } = job.details;
  const question = videoQuestion({ ...job, details });
  const tokens = inputTokensOf(job);
  if (tokens !== undefined && tokens < minCacheableTokens(question.model)) return;
  const key = cacheKeyOf(question);
  const ttlSeconds = ttlSecondsOf(context);
  const kept = reuse ? context.caches.usable(key) : undefined;
  if (kept) {
    try {
      const extended = await extendVideoCache(run.ai, kept.name, ttlSeconds);
      context.caches.remember({ ...kept, expiresAt: extended.expiresAt });
      run.update({}, { cacheName: kept.name });
      return;
    } catch (error) {
      if (!isCacheGone(error)) throw error;
      context.caches.forget(kept.name);
    }
  }
  const made = await createVideoCache(run.ai, question, ttlSeconds, run.signal);
  context.caches.remember({ name: made.name, key, fileName: job.fileName, expiresAt: made.expiresAt });
  run.update({}, { cacheName: made.name });
}

/**
 * Asks with the job's cache, if it names one; when Gemini refuses the cache
 * (expired, deleted), makes it anew once and asks again, and failing that
 * asks without one: a cache never fails the question.
 */
export async function askWithCache<T>(run: StageRun, ask: () => Promise<T>): Promise<T> {
  const cacheName = run.job.details.cacheName;
  if (!cacheName) return ask();
  try {
    return await ask();
  } catch (error) {
    if (!isCacheGone(error)) throw error;
    run.context.caches.forget(cacheName);
  }
  run.update({ message: "the context cache was gone: making it anew" }, { cacheName: undefined });
  try {
    await attachCache(run, { reuse: false });
  } catch (error) {
    // Making it failed: the question goes plain.
    if (run.signal.aborted) throw error;
  }
  const remade = run.job.details.cacheName;
  if (remade) {
    try {
      return await ask();
    } catch (error) {
      if (!isCacheGone(error)) throw error;
      run.context.caches.forget(remade);
    }
  }
  run.update({ message: "asking without a context cache" }, { cacheName: undefined });
  return ask();
}
