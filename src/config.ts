/**
 * The Worker's configuration, parsed and defaulted from its `Env` (env.ts).
 * @module
 */
import type { Env } from "./env";

/** Tracks the newest Flash model, so the default does not go stale. */
export const DEFAULT_GEMINI_MODEL = "gemini-flash-latest";
export const DEFAULT_PING_INTERVAL_SECONDS = 25;
export const DEFAULT_SESSION_TTL_SECONDS = 24 * 60 * 60;
export const DEFAULT_MAX_VIDEO_BYTES = 2 * 1024 ** 3;
export const SHARED_SECRET_LENGTH = 64;
/** Under the 300 s after which Claude's connectors give up on a tool call. */
export const DEFAULT_TOOL_CALL_BUDGET_SECONDS = 240;
/** Analyses the owner may have running at once, across sessions, session-less calls and tasks. */
export const DEFAULT_MAX_CONCURRENT_ANALYSES = 8;
export const DEFAULT_SOURCE_CONNECT_TIMEOUT_SECONDS = 30;
export const DEFAULT_SOURCE_IDLE_TIMEOUT_SECONDS = 60;
export const DEFAULT_SOURCE_TOTAL_TIMEOUT_SECONDS = 2 * 60 * 60;
/** How long a request's body may take to arrive in full before the answer is 408. */
export const DEFAULT_BODY_TIMEOUT_SECONDS = 10;
/**
 * The most a tool result may hold, its text and its structured content
 * counted together (a transcript is sent as both). Claude Code keeps 25,000
 * tokens of a result (`MAX_MCP_OUTPUT_TOKENS`) and moves results over 50,000
 * characters to a file; claude.ai and Desktop take about 150,000 characters.
 * A token is about 4 characters of English and 3 of JSON, but about one
 * character of Chinese or Japanese: 20,000 characters stay under 25,000
 * tokens even at one token a character (a fifth to spare), far under the
 * file threshold, and leave an English conversation most of its context.
 */
export const DEFAULT_MAX_RESULT_CHARS = 20_000;

/** How long the library keeps a finished analysis. */
export const DEFAULT_LIBRARY_RETENTION_DAYS = 90;

/** Segments of a long video answered at once (see `src/analysis/segment-plan.ts`). */
export const DEFAULT_SEGMENT_CONCURRENCY = 3;

/** The Files API's per-file limit. */
export const DEFAULT_MAX_UPLOAD_BYTES = 2 * 1024 ** 3;
export const DEFAULT_UPLOAD_TTL_SECONDS = 24 * 60 * 60;
/** Gemini keeps a file 48 h: an upload cannot outlive its file. */
export const MAX_UPLOAD_TTL_SECONDS = 48 * 60 * 60;

/** Settings the tools need, free of Worker bindings. */
export interface GeminiSettings {
  apiKey: string | undefined;
  baseUrl: string | undefined;
  model: string;
  /** How long a video's context cache lives after it was made or last used (`CACHE_TTL_SECONDS`); default an hour. */
  cacheTtlSeconds?: number;
  /** Segments of a long video answered at once (`SEGMENT_CONCURRENCY`). */
  segmentConcurrency?: number;
}

export interface Config {
  gemini: GeminiSettings;
  pingIntervalMs: number;
  sessionTtlMs: number;
  /** `*`, or the listed origins; empty for the default policy (loopback origins). */
  allowedOrigins: "*" | string[];
  loopbackOnly: boolean;
  /** `PUBLIC_URL`'s origin; undefined when unset or not an http(s) URL. */
  publicOrigin: string | undefined;
  allowPrivateVideoUrls: boolean;
  maxVideoBytes: number;
  toolCallBudgetMs: number;
  maxConcurrentAnalyses: number;
  sourceTimeouts: { connectMs: number; idleMs: number; totalMs: number };
  bodyTimeoutMs: number;
  /** MAX_RESULT_CHARS: what does not fit is served as resources. */
  maxResultChars: number;
  /** `GEMINI_PRICES` as set (JSON, read by `cost/prices.ts`), or undefined for the built-in table. */
  pricesJson: string | undefined;
  /** `MAX_COST_USD_PER_ANALYSIS` and `MAX_COST_USD_PER_DAY`; undefined: no cap. */
  maxCostUsdPerAnalysis: number | undefined;
  maxCostUsdPerDay: number | undefined;
  /** How long the library keeps a finished analysis (LIBRARY_RETENTION_DAYS). */
  libraryRetentionMs: number;
  /** MAX_UPLOAD_BYTES, at most DEFAULT_MAX_UPLOAD_BYTES. */
  maxUploadBytes: number;
  /** UPLOAD_TTL_SECONDS, at most MAX_UPLOAD_TTL_SECONDS. */
  uploadTtlMs: number;
}

function positiveNumber(raw: string | undefined, fallback: number): number {
  const value = Number(raw);
  return raw !== undefined && raw.trim() !== "" && Number.isFinite(value) && value > 0 ? value : fallback;
}

/** A positive number, or undefined when unset or not one (a cap that is not set). */
function optionalPositive(raw: string | undefined): number | undefined {
  const value = positiveNumber(raw, 0);
  return value > 0 ? value : undefined;
}

function nonEmpty(raw: string | undefined): string | undefined {
  const trimmed = raw?.trim();
  return trimmed ? trimmed : undefined;
}

function httpOrigin(raw: string | undefined): string | undefined {
  const text = nonEmpty(raw);
  if (text === undefined) return undefined;
  try {
    const url = new URL(text);
    return url.protocol === "https:" || url.protocol === "http:" ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

/** Reads the configuration; bad numbers fall back to their defaults. */
export function readConfig(env: Env): Config {
  const origins = (env.ALLOWED_ORIGINS ?? "")
    .split(",")
    .map((origin) => origin.trim())
    .filter(Boolean);
  return {
    gemini: {
      apiKey: nonEmpty(env.GOOGLE_API_KEY),
      baseUrl: nonEmpty(env.GEMINI_BASE_URL),
      model: nonEmpty(env.GEMINI_MODEL) ?? DEFAULT_GEMINI_MODEL,
      ...(positiveNumber(env.CACHE_TTL_SECONDS, 0) > 0 ? { cacheTtlSeconds: positiveNumber(env.CACHE_TTL_SECONDS, 0) } : {}),
      segmentConcurrency: Math.max(1, Math.floor(positiveNumber(env.SEGMENT_CONCURRENCY, DEFAULT_SEGMENT_CONCURRENCY)))
    },
    pingIntervalMs: positiveNumber(env.PING_INTERVAL_SECONDS, DEFAULT_PING_INTERVAL_SECONDS) * 1000,
    sessionTtlMs: positiveNumber(env.SESSION_TTL_SECONDS, DEFAULT_SESSION_TTL_SECONDS) * 1000,
    allowedOrigins: origins.includes("*") ? "*" : origins,
    loopbackOnly: env.LOOPBACK_ONLY?.trim().toLowerCase() === "true",
    publicOrigin: httpOrigin(env.PUBLIC_URL),
    allowPrivateVideoUrls: env.ALLOW_PRIVATE_VIDEO_URLS?.trim().toLowerCase() === "true",
    maxVideoBytes: positiveNumber(env.MAX_VIDEO_BYTES, DEFAULT_MAX_VIDEO_BYTES),
    toolCallBudgetMs: positiveNumber(env.TOOL_CALL_BUDGET_SECONDS, DEFAULT_TOOL_CALL_BUDGET_SECONDS) * 1000,
    maxConcurrentAnalyses: Math.max(1, Math.floor(positiveNumber(env.MAX_CONCURRENT_ANALYSES, DEFAULT_MAX_CONCURRENT_ANALYSES))),
    sourceTimeouts: {
      connectMs: positiveNumber(env.SOURCE_CONNECT_TIMEOUT_SECONDS, DEFAULT_SOURCE_CONNECT_TIMEOUT_SECONDS) * 1000,
      idleMs: positiveNumber(env.SOURCE_IDLE_TIMEOUT_SECONDS, DEFAULT_SOURCE_IDLE_TIMEOUT_SECONDS) * 1000,
      totalMs: positiveNumber(env.SOURCE_TOTAL_TIMEOUT_SECONDS, DEFAULT_SOURCE_TOTAL_TIMEOUT_SECONDS) * 1000
    },
    bodyTimeoutMs: positiveNumber(env.BODY_TIMEOUT_SECONDS, DEFAULT_BODY_TIMEOUT_SECONDS) * 1000,
    maxResultChars: Math.floor(positiveNumber(env.MAX_RESULT_CHARS, DEFAULT_MAX_RESULT_CHARS)),
    pricesJson: nonEmpty(env.GEMINI_PRICES),
    maxCostUsdPerAnalysis: optionalPositive(env.MAX_COST_USD_PER_ANALYSIS),
    maxCostUsdPerDay: optionalPositive(env.MAX_COST_USD_PER_DAY),
    libraryRetentionMs: positiveNumber(env.LIBRARY_RETENTION_DAYS, DEFAULT_LIBRARY_RETENTION_DAYS) * 86_400_000,
    maxUploadBytes: Math.min(
      Math.floor(positiveNumber(env.MAX_UPLOAD_BYTES, DEFAULT_MAX_UPLOAD_BYTES)),
      DEFAULT_MAX_UPLOAD_BYTES
    ),
    uploadTtlMs: Math.min(positiveNumber(env.UPLOAD_TTL_SECONDS, DEFAULT_UPLOAD_TTL_SECONDS), MAX_UPLOAD_TTL_SECONDS) * 1000
  };
}
