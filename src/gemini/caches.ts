/**
 * Gemini's explicit context caches (`cachedContents`) holding one video: a
 * cache is made of the video part of a question (its clip and sampling
 * included), named in later questions as `cachedContent`, its TTL extended
 * on use, and deleted when its video goes. Billing: the cached tokens at the
 * cached-input price on each use, plus storage per token-hour (see README,
 * "When an explicit cache pays").
 * @module
 */
import { ApiError, type GoogleGenAI } from "@google/genai";
import { videoCacheContents, type VideoQuestion } from "./analyze";

/** How long a cache lives after it was made or last used, unless `CACHE_TTL_SECONDS` says otherwise. */
export const DEFAULT_CACHE_TTL_SECONDS = 3600;
/** Gemini refuses smaller caches: 1,024 tokens on Flash models (and implicit caching starts there too). */
const MIN_CACHED_TOKENS = 1024;
/** The minimum on Pro models. */
const MIN_CACHED_TOKENS_PRO = 4096;

/** The smallest cache Gemini makes for `model`, in tokens. */
export function minCacheableTokens(model: string): number {
  return /pro/i.test(model) ? MIN_CACHED_TOKENS_PRO : MIN_CACHED_TOKENS;
}

/** A cache as Gemini described it. */
export interface VideoCache {
  /** `cachedContents/{id}`. */
  name: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

const ttl = (seconds: number) => `${Math.round(seconds)}s`;

function described(name: string | undefined, expireTime: string | undefined, ttlSeconds: number): VideoCache {
  if (!name) throw new Error("Gemini made a cache without a name.");
  const expiresAt = expireTime ? Date.parse(expireTime) : Number.NaN;
  return { name, expiresAt: Number.isFinite(expiresAt) ? expiresAt : Date.now() + ttlSeconds * 1000 };
}

/** Makes a cache holding `question`'s video part, for `question.model`, living `ttlSeconds`. */
export async function createVideoCache(
  ai: GoogleGenAI,
  question: VideoQuestion,
  ttlSeconds: number,
  signal?: AbortSignal
): Promise<VideoCache> {
  const cache = await ai.caches.create({
    model: question.model,
    config: {
      contents: videoCacheContents(question),
      ttl: ttl(ttlSeconds),
      displayName: "video",
      ...(signal ? { abortSignal: signal } : {})
    }
  });
  return described(cache.name, cache.expireTime, ttlSeconds);
}

/** Gives the cache `ttlSeconds` more from now (its use extends it). */
export async function extendVideoCache(ai: GoogleGenAI, name: string, ttlSeconds: number): Promise<VideoCache> {
  const cache = await ai.caches.update({ name, config: { ttl: ttl(ttlSeconds) } });
  return described(cache.name ?? name, cache.expireTime, ttlSeconds);
}

/** Deletes a cache, best effort: one left behind is deleted by Gemini at its expiry. */
export async function deleteVideoCache(ai: GoogleGenAI, name: string): Promise<void> {
  try {
    await ai.caches.delete({ name });
  } catch (error) {
    if (!isCacheGone(error)) console.warn(`Could not delete Gemini cache ${name}: ${String(error)}`);
  }
}

/**
 * Whether Gemini refused a request for its cache: gone (expired or deleted:
 * 403 "CachedContent not found (or permission denied)", or 404), or not
 * usable with it (400 naming the cached content).
 */
export function isCacheGone(error: unknown): boolean {
  if (!(error instanceof ApiError)) return false;
  if (error.status === 403 || error.status === 404) return /cachedcontent|cached content|cachedContents\//i.test(error.message);
  return error.status === 400 && /cached_?content/i.test(error.message);
}
