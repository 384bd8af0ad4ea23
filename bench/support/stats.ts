/**
 * Summaries of latency samples: nearest-rank percentiles, so a p99 is always
 * a latency that was actually observed.
 */

export interface Summary {
  count: number;
  min: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

/**
 * The nearest-rank `p`th percentile (0 < p ≤ 100) of `values`: the smallest
 * value with at least p % of the values at or below it. NaN when empty.
 */
export function percentile(values: readonly number[], p: number): number {
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil((p / 100) * sorted.length) - 1]!;
}

/** Count, extremes, median, p99 and mean of `values`; NaN figures when empty. */
export function summarize(values: readonly number[]): Summary {
  const count = values.length;
  const sum = values.reduce((total, value) => total + value, 0);
  return {
    count,
    min: count ? Math.min(...values) : Number.NaN,
    p50: percentile(values, 50),
    p99: percentile(values, 99),
    max: count ? Math.max(...values) : Number.NaN,
    mean: count ? sum / count : Number.NaN
  };
}

/** `numerator / denominator`, NaN when either is not a positive finite number. */
export function ratio(numerator: number, denominator: number): number {
  return Number.isFinite(numerator) && Number.isFinite(denominator) && denominator > 0 ? numerator / denominator : Number.NaN;
}
