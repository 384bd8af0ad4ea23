import { describe, expect, it } from "vitest";
import { percentile, ratio, summarize } from "../../bench/support/stats";

describe("percentile", () => {
  it("returns an observed value by nearest rank", () => {
    const values = [5, 1, 4, 2, 3];
    expect(percentile(values, 50)).toBe(3);
    expect(percentile(values, 20)).toBe(1);
    expect(percentile(values, 21)).toBe(2);
    expect(percentile(values, 100)).toBe(5);
  });

  it("puts p99 of 100 samples on the 99th smallest, not the largest", () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile([...values, 1000], 99)).toBe(100);
  });

  it("does not reorder its input", () => {
    const values = [3, 1, 2];
    percentile(values, 50);
    expect(values).toEqual([3, 1, 2]);
  });

  it("is NaN for no samples and refuses percentiles outside (0, 100]", () => {
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], 0)).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });
});

describe("summarize", () => {
  it("reports count, extremes, median, p99 and mean", () => {
    expect(summarize([4, 2, 6, 8])).toEqual({ count: 4, min: 2, p50: 4, p99: 8, max: 8, mean: 5 });
  });

  it("is all NaN but the count for no samples", () => {
    const summary = summarize([]);
    expect(summary.count).toBe(0);
    expect(summary.p50).toBeNaN();
    expect(summary.mean).toBeNaN();
  });
});

describe("ratio", () => {
  it("divides, or is NaN when the denominator is not positive", () => {
    expect(ratio(3, 2)).toBe(1.5);
    expect(ratio(3, 0)).toBeNaN();
    expect(ratio(Number.NaN, 2)).toBeNaN();
  });
});
