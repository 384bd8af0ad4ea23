/**
 * Bounded retries for Gemini calls: 429 waits as long as `RetryInfo` says,
 * 5xx and network failures back off exponentially, anything else fails at once.
 * @module
 */
import { UserFacingError } from "../errors";
import { seconds } from "../ids/units";
import { ApiError } from "@google/genai";

export const MAX_ATTEMPTS = 5;
export const INITIAL_BACKOFF_MS = 1_000;
export const MAX_BACKOFF_MS = 30_000;
/** A server asking for longer than this is not waited for. */
export const MAX_RETRY_DELAY_MS = 120_000;

/** A non-2xx answer from a Gemini endpoint the SDK does not cover (uploads). */
export class GeminiHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    what: string
  ) {
    super(`${what} failed with HTTP ${status}: ${body.slice(0, 500)}`);
    this.name = "GeminiHttpError";
  }
}

/** A Gemini endpoint the SDK does not cover (uploads) that did not answer in time; retried like a 5xx. */
export class GeminiTimeoutError extends UserFacingError {
  constructor(what: string, timeoutMs: number) {
    super(`${what}: Gemini did not answer within ${seconds(timeoutMs)}.`);
    this.name = "GeminiTimeoutError";
  }
}

interface ErrorDetail {
  "@type"?: string;
  retryDelay?: string;
}

const NETWORK_FAILURE = /network|connection|fetch failed|ECONN|socket|DNS/i;

function statusOf(error: unknown): number | undefined {
  if (error instanceof ApiError || error instanceof GeminiHttpError) return error.status;
  return undefined;
}

function bodyOf(error: unknown): string | undefined {
  if (error instanceof ApiError) return error.message;
  if (error instanceof GeminiHttpError) return error.body;
  return undefined;
}

/** `RetryInfo.retryDelay` ("12s", "1.5s") from a Google error body, in ms. */
export function retryInfoDelayMs(body: string | undefined): number | undefined {
  if (!body) return undefined;
  try {
    // SAFETY: a Google error body (`google.rpc.Status`); every level is read optionally, and anything else throws into the catch.
    const details = (JSON.parse(body) as { error?: { details?: ErrorDetail[] } }).error?.details ?? [];
    const delay = details.find((detail) => detail["@type"]?.endsWith("google.rpc.RetryInfo"))?.retryDelay;
    const seconds = delay ? Number(/^([\d.]+)s$/.exec(delay)?.[1]) : Number.NaN;
    return Number.isFinite(seconds) ? Math.round(seconds * 1000) : undefined;
  } catch {
    return undefined;
  }
}

export function isNetworkError(error: unknown): boolean {
  return error instanceof TypeError || (error instanceof Error && NETWORK_FAILURE.test(error.message));
}

/** How long to wait before attempt `attempt + 1`, or undefined when not retryable. */
export function retryDelayMs(error: unknown, attempt: number): number | undefined {
  const status = statusOf(error);
  const backoff = backoffMs(attempt);
  if (status === 429) {
    const delay = retryInfoDelayMs(bodyOf(error)) ?? backoff;
    return delay <= MAX_RETRY_DELAY_MS ? delay : undefined;
  }
  const transient = error instanceof GeminiTimeoutError || (status === undefined && isNetworkError(error));
  if ((status !== undefined && status >= 500) || transient) return backoff;
  return undefined;
}

export interface RetryNotice {
  attempt: number;
  delayMs: number;
  error: unknown;
}

export interface RetryOptions {
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  signal?: AbortSignal;
  onRetry?(notice: RetryNotice): Promise<void> | void;
  /**
   * Which failures to retry (with exponential backoff), in place of the
   * default judgement of Gemini's errors: for operations that are not one
   * Gemini call, whose inner calls have had their own attempts already.
   */
  retryable?(error: unknown): boolean;
}

function backoffMs(attempt: number): number {
  return Math.min(INITIAL_BACKOFF_MS * 2 ** (attempt - 1), MAX_BACKOFF_MS);
}

/** Runs `operation` up to MAX_ATTEMPTS times; every wait is bounded and reported. */
export async function withRetry<T>(operation: () => Promise<T>, options: RetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (options.signal?.aborted) throw error;
      const delayMs =
        attempt >= MAX_ATTEMPTS
          ? undefined
          : options.retryable
            ? options.retryable(error)
              ? backoffMs(attempt)
              : undefined
            : retryDelayMs(error, attempt);
      if (delayMs === undefined) throw error;
      await options.onRetry?.({ attempt, delayMs, error });
      await options.sleep(delayMs, options.signal);
    }
  }
}
