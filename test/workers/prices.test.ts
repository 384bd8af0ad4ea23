/**
 * The price table (src/cost/prices.ts) and its arithmetic (estimate.ts):
 * GEMINI_PRICES laid over the built-in table, and refused with what is wrong;
 * a model found by its name, a `models/` prefix or a dated suffix; the Batch
 * API's discount.
 */
import { describe, expect, it } from "vitest";
import { costOf, estimateCallCost, formatUsd } from "../../src/cost/estimate";
import { DEFAULT_PRICES, PRICES_READ_ON, PRICES_SOURCE, priceFor, readPrices } from "../../src/cost/prices";

describe("readPrices", () => {
  it("is the built-in table, with its source and the day it was written, when GEMINI_PRICES is unset or blank", () => {
    expect(readPrices(undefined)).toBe(DEFAULT_PRICES);
    expect(readPrices("  ")).toBe(DEFAULT_PRICES);
    expect(DEFAULT_PRICES.source).toBe(`${PRICES_SOURCE} as known on ${PRICES_READ_ON} (not re-read that day)`);
  });

  it("lays GEMINI_PRICES over the built-in table: a new model added, a listed one replaced, the batch discount defaulted", () => {
    const table = readPrices(
      JSON.stringify({
        "gemini-test-flash": {
          inputPerMillion: 1,
          cachedInputPerMillion: 0.1,
          outputPerMillion: 2,
          cacheStoragePerMillionPerHour: 0.5
        },
        "gemini-flash-latest": {
          inputPerMillion: 0.6,
          cachedInputPerMillion: 0.06,
          outputPerMillion: 3.5,
          cacheStoragePerMillionPerHour: 1,
          batchDiscount: 0.4
        }
      })
    );
    if ("error" in table) throw new Error(table.error);
    expect(priceFor("gemini-test-flash", table)).toEqual({
      inputPerMillion: 1,
      cachedInputPerMillion: 0.1,
      outputPerMillion: 2,
      cacheStoragePerMillionPerHour: 0.5,
      batchDiscount: 0.5
    });
    expect(priceFor("gemini-flash-latest", table)).toMatchObject({ inputPerMillion: 0.6, batchDiscount: 0.4 });
    expect(priceFor("gemini-3-pro-preview", table)).toBe(DEFAULT_PRICES.models["gemini-3-pro-preview"]);
    expect(table.source).toContain("with GEMINI_PRICES for gemini-test-flash, gemini-flash-latest");
  });

  it.each([
    [
      "not JSON",
      "{prices",
      /^GEMINI_PRICES is not valid JSON \(.+\)\. It maps model names to prices, such as \{"gemini-flash-latest"/
    ],
    ["a list", "[1, 2]", /^GEMINI_PRICES is not a valid price table: \(the whole value\): /],
    [
      "a price that is no number",
      '{"gemini-x": {"inputPerMillion": "cheap", "cachedInputPerMillion": 0, "outputPerMillion": 1, "cacheStoragePerMillionPerHour": 0}}',
      /^GEMINI_PRICES is not a valid price table: gemini-x\.inputPerMillion: inputPerMillion must be a number of US dollars per million tokens\.$/
    ],
    [
      "a missing output price and a negative one",
      '{"gemini-x": {"inputPerMillion": -1, "cachedInputPerMillion": 0, "cacheStoragePerMillionPerHour": 0}}',
      /gemini-x\.inputPerMillion: inputPerMillion must not be negative; gemini-x\.outputPerMillion: outputPerMillion must be a number/
    ],
    [
      "a misspelt field",
      '{"gemini-x": {"inputPerMilion": 1, "inputPerMillion": 1, "cachedInputPerMillion": 0, "outputPerMillion": 1, "cacheStoragePerMillionPerHour": 0}}',
      /gemini-x: Unrecognized key: "inputPerMilion"/
    ]
  ])("refuses %s with what is wrong", (_name, json, expected) => {
    const table = readPrices(json);
    expect(table).toEqual({ error: expect.stringMatching(expected) });
  });
});

describe("priceFor", () => {
  it("finds a model by its name, with a models/ prefix, or by the longest listed name it extends; not an unknown one", () => {
    const flash = DEFAULT_PRICES.models["gemini-3-flash-preview"];
    expect(priceFor("models/gemini-3-flash-preview", DEFAULT_PRICES)).toBe(flash);
    expect(priceFor("gemini-3-flash-preview-11-2026", DEFAULT_PRICES)).toBe(flash);
    expect(priceFor("gemini-3.1-flash-lite-preview-01-2027", DEFAULT_PRICES)).toBe(
      DEFAULT_PRICES.models["gemini-3.1-flash-lite-preview"]
    );
    expect(priceFor("gemini-test-flash", DEFAULT_PRICES)).toBeUndefined();
  });
});

describe("costOf", () => {
  // SAFETY: the built-in table lists both.
  const pro = DEFAULT_PRICES.models["gemini-3-pro-preview"]!;
  const flash = DEFAULT_PRICES.models["gemini-flash-latest"]!;

  it("bills the whole call at the dearer tier once the prompt is above 200,000 tokens", () => {
    expect(costOf({ inputTokens: 200_000, outputTokens: 1_000 }, pro)).toBeCloseTo((200_000 * 2 + 1_000 * 12) / 1e6, 12);
    expect(costOf({ inputTokens: 200_001, outputTokens: 1_000 }, pro)).toBeCloseTo((200_001 * 4 + 1_000 * 18) / 1e6, 12);
  });

  it("takes the Batch API's discount off everything", () => {
    const tokens = {
      inputTokens: 50_000,
      cachedInputTokens: 10_000,
      audioInputTokens: 5_000,
      outputTokens: 700,
      thinkingTokens: 300
    };
    const full = (35_000 * 0.5 + 5_000 * 1 + 10_000 * 0.05 + 1_000 * 3) / 1e6;
    expect(costOf(tokens, flash)).toBeCloseTo(full, 12);
    expect(costOf(tokens, flash, { batch: true })).toBeCloseTo(full / 2, 12);
  });

  it("estimates an answer of maxOutputTokens, or 8,192 tokens when it is unset", () => {
    expect(estimateCallCost({ inputTokens: 1_000, maxOutputTokens: 100 }, flash)).toBeCloseTo((1_000 * 0.5 + 100 * 3) / 1e6, 12);
    expect(estimateCallCost({ inputTokens: 1_000 }, flash)).toBeCloseTo((1_000 * 0.5 + 8_192 * 3) / 1e6, 12);
  });
});

describe("formatUsd", () => {
  it.each([
    [0, "$0.00"],
    [0.00002, "under $0.0001"],
    [0.0021345, "$0.0021"],
    [0.0354, "$0.04"],
    [12.345, "$12.35"]
  ])("shows %f as %s", (usd, shown) => {
    expect(formatUsd(usd)).toBe(shown);
  });
});
