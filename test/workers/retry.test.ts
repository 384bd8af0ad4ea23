import { ApiError } from "@google/genai";
import { describe, expect, it } from "vitest";
import { GeminiHttpError, MAX_ATTEMPTS, retryDelayMs, withRetry } from "../../src/gemini/retry";

const googleError = (code: number, status: string, details?: unknown[]) =>
  JSON.stringify({ error: { code, message: "x", status, ...(details ? { details } : {}) } });

describe("retryDelayMs", () => {
  it("honours RetryInfo.retryDelay on a 429", () => {
    const body = googleError(429, "RESOURCE_EXHAUSTED", [
      { "@type": "type.googleapis.com/google.rpc.QuotaFailure" },
      { "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "12.5s" }
    ]);
    expect(retryDelayMs(new ApiError({ status: 429, message: body }), 1)).toBe(12_500);
    expect(retryDelayMs(new GeminiHttpError(429, body, "upload"), 1)).toBe(12_500);
  });

  it("backs off exponentially, capped, on 429 without RetryInfo, 5xx and network errors", () => {
    const overloaded = new ApiError({ status: 503, message: googleError(503, "UNAVAILABLE") });
    expect([1, 2, 3, 4, 10].map((attempt) => retryDelayMs(overloaded, attempt))).toEqual([1000, 2000, 4000, 8000, 30_000]);
    expect(retryDelayMs(new ApiError({ status: 429, message: "{}" }), 2)).toBe(2000);
    expect(retryDelayMs(new TypeError("fetch failed"), 1)).toBe(1000);
    expect(retryDelayMs(new Error("Network connection lost."), 1)).toBe(1000);
  });

  it.each([400, 401, 403, 404])("does not retry a %i", (status) => {
    expect(retryDelayMs(new ApiError({ status, message: googleError(status, "X") }), 1)).toBeUndefined();
  });

  it("does not wait for a server that asks for more than two minutes", () => {
    const body = googleError(429, "RESOURCE_EXHAUSTED", [
      { "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "3600s" }
    ]);
    expect(retryDelayMs(new ApiError({ status: 429, message: body }), 1)).toBeUndefined();
  });
});

describe("withRetry", () => {
  it("retries up to MAX_ATTEMPTS, reporting each wait, then throws the last error", async () => {
    const waits: number[] = [];
    let calls = 0;
    const failure = new ApiError({ status: 500, message: googleError(500, "INTERNAL") });
    await expect(
      withRetry(
        async () => {
          calls++;
          throw failure;
        },
        { sleep: async () => {}, onRetry: ({ delayMs }) => void waits.push(delayMs) }
      )
    ).rejects.toBe(failure);
    expect(calls).toBe(MAX_ATTEMPTS);
    expect(waits).toEqual([1000, 2000, 4000, 8000]);
  });

  it("returns as soon as an attempt succeeds", async () => {
    let calls = 0;
    const result = await withRetry(
      async () => {
        if (++calls < 3) throw new TypeError("fetch failed");
        return "ok";
      },
      { sleep: async () => {} }
    );
    expect(result).toBe("ok");
    expect(calls).toBe(3);
  });
});
