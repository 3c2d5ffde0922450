import { describe, expect, it } from 'vitest';
import { bucketize, median, percentile, summarize } from './stats.js';
import { bar, formatMs, sparkline } from './text.js';

describe('stats', () => {
  it('interpolates percentiles between samples', () => {
    expect(median([1, 3, 2, 4])).toBe(2.5);
    expect(percentile([10, 20, 30, 40, 50], 90)).toBe(46);
    expect(Number.isNaN(median([]))).toBe(true);
  });

  it('counts samples into histogram buckets, with an overflow bucket only when needed', () => {
    expect(bucketize([0.1, 0.4, 44, 0.5], [0.5, 1, 50])).toEqual([
      { upTo: 0.5, count: 3 },
      { upTo: 1, count: 0 },
      { upTo: 50, count: 1 },
    ]);
    expect(bucketize([2, 70, 90], [50])).toEqual([
      { upTo: 50, count: 1 },
      { upTo: 90, count: 2 },
    ]);
  });

  it('summarizes min, median and max', () => {
    expect(summarize([5, 1, 3])).toMatchObject({ count: 3, min: 1, median: 3, max: 5 });
  });
});

describe('terminal charts', () => {
  it('scales bars so the maximum fills the width', () => {
    expect(bar(10, 10, 4)).toBe('████');
    expect(bar(5, 10, 4)).toBe('██');
    expect(bar(0, 10, 4)).toBe('');
  });

  it('draws a sparkline from low to high', () => {
    expect(sparkline([1, 2, 4, 8])).toMatch(/^▁.*█$/);
  });

  it('formats durations with sensible precision', () => {
    expect(formatMs(0.0423)).toBe('0.042 ms');
    expect(formatMs(41.7)).toBe('41.7 ms');
    expect(formatMs(12_345)).toBe('12.3 s');
  });
});
