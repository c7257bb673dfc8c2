import { describe, expect, it } from 'vitest';
import { distribution, quantile } from '../../src/api/queries/distribution.ts';

describe('distribution summaries for the segments', () => {
  it('quantiles interpolate between order statistics (R type 7, as DuckDB quantile_cont)', () => {
    const sorted = [1, 2, 3, 4, 10];
    expect(quantile(sorted, 0.25)).toBe(2);
    expect(quantile(sorted, 0.5)).toBe(3);
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3, 4], 0.25)).toBe(1.75);
  });

  it('gives the five numbers and a bootstrap interval that holds the median and is reproducible', () => {
    const sample = Array.from({ length: 101 }, (_, i) => i);
    const d = distribution(sample);
    expect([d.n, d.min, d.q1, d.median, d.q3, d.max]).toEqual([101, 0, 25, 50, 75, 100]);
    expect(d.medianLow!).toBeLessThan(50);
    expect(d.medianHigh!).toBeGreaterThan(50);
    // The median of a uniform sample of 101 has a standard error near 1.25 * sd / sqrt(n) ≈ 3.6.
    expect(d.medianHigh! - d.medianLow!).toBeGreaterThan(5);
    expect(d.medianHigh! - d.medianLow!).toBeLessThan(30);
    expect(distribution(sample)).toEqual(d);
  });

  it('a constant sample has a zero-width interval; an empty one has no figures', () => {
    const d = distribution([4, 4, 4]);
    expect([d.median, d.medianLow, d.medianHigh]).toEqual([4, 4, 4]);
    expect(distribution([])).toMatchObject({ n: 0, median: null, medianLow: null });
  });
});
