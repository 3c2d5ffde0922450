// Small, exact statistics for measured samples.

function sorted(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

/** The p-th percentile (0..100) by linear interpolation; NaN for no samples. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const s = sorted(values);
  const rank = (Math.min(100, Math.max(0, p)) / 100) * (s.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const a = s[lo]!;
  const b = s[hi]!;
  return a + (b - a) * (rank - lo);
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

export function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

export interface Summary {
  count: number;
  min: number;
  median: number;
  p90: number;
  max: number;
  mean: number;
}

export function summarize(values: readonly number[]): Summary {
  return {
    count: values.length,
    min: values.length ? Math.min(...values) : Number.NaN,
    median: median(values),
    p90: percentile(values, 90),
    max: values.length ? Math.max(...values) : Number.NaN,
    mean: mean(values),
  };
}

/** Milliseconds since an arbitrary origin, with sub-microsecond resolution. */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/**
 * Count samples into histogram buckets: one bucket per edge (value ≤ edge,
 * above the previous edge), plus a last bucket up to the maximum for values
 * above every edge (omitted when empty). Edges must be ascending.
 *
 * @example
 * ```ts
 * bucketize([0.1, 0.4, 44], [0.5, 1, 50]); // [{upTo: 0.5, count: 2}, {upTo: 1, count: 0}, {upTo: 50, count: 1}]
 * ```
 */
export function bucketize(values: readonly number[], edges: readonly number[]): { upTo: number; count: number }[] {
  const buckets = edges.map((upTo) => ({ upTo, count: 0 }));
  const over = { upTo: Number.NEGATIVE_INFINITY, count: 0 };
  for (const v of values) {
    const bucket = buckets.find((b) => v <= b.upTo);
    if (bucket) bucket.count += 1;
    else {
      over.count += 1;
      over.upTo = Math.max(over.upTo, v);
    }
  }
  return over.count > 0 ? [...buckets, over] : buckets;
}
