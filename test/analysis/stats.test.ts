import { describe, expect, it } from 'vitest';
import { spreadOf } from '../../src/analysis/analysis.ts';
import { AnalysisError } from '../../src/analysis/guards.ts';
import {
  benjaminiHochberg,
  bootstrap,
  cliffsDelta,
  holm,
  kruskalWallis,
  ols,
  oneSampleTGreater,
  waldF,
  welchT,
} from '../../src/analysis/stats.ts';

// Every expected value below is worked out by hand in the comment beside it.
describe('statistics against hand-computed values', () => {
  it('Kruskal–Wallis without ties: H = 7.2, p = e^(−3.6) on 2 df, epsilon² = 0.9', () => {
    // ranks are the values; rank sums 6, 15, 24; H = 12/(9·10)·(36+225+576)/3 − 30 = 7.2
    const r = kruskalWallis(
      [
        [1, 2, 3],
        [4, 5, 6],
        [7, 8, 9],
      ],
      'x',
    );
    expect(r.statistic).toBeCloseTo(7.2, 10);
    expect(r.df).toEqual([2]);
    expect(r.pValue).toBeCloseTo(Math.exp(-3.6), 10); // χ²(2) survival is e^(−x/2)
    expect(r.epsilonSquared).toBeCloseTo(0.9, 10); // H / (N − 1)
  });

  it('Kruskal–Wallis with ties: the tie correction 1 − 18/210', () => {
    // midranks 1.5 1.5 3.5 | 3.5 5.5 5.5: sums 6.5 and 14.5; raw H = 12/42·(6.5² + 14.5²)/3 − 21 = 3.047619
    const r = kruskalWallis(
      [
        [1, 1, 2],
        [2, 3, 3],
      ],
      'x',
    );
    expect(r.statistic).toBeCloseTo(3.047619047619 / (1 - 18 / 210), 9);
  });

  it('Welch t: t = −4/√(0.5 + 14/6), Welch–Satterthwaite df', () => {
    // means 3 and 7, variances 2.5 and 14
    const r = welchT([1, 2, 3, 4, 5], [2, 4, 6, 8, 10, 12], 'x');
    const se2 = 0.5 + 14 / 6;
    expect(r.statistic).toBeCloseTo(-4 / Math.sqrt(se2), 10);
    expect(r.df[0]).toBeCloseTo(se2 ** 2 / (0.5 ** 2 / 4 + (14 / 6) ** 2 / 5), 10);
    // |t| = 2.376 lies just above the two-sided 5% critical value for 7 df (2.365, any t table)
    expect(r.pValue).toBeGreaterThan(0.04);
    expect(r.pValue).toBeLessThan(0.05);
  });

  it('one-sample t, one-sided: (0.6 − 0.05)/√(0.3/5)', () => {
    const r = oneSampleTGreater([0, 0, 1, 1, 1], 0.05, 'x');
    expect(r.statistic).toBeCloseTo(0.55 / Math.sqrt(0.06), 10);
    expect(r.df).toEqual([4]);
    expect(r.pValue).toBeLessThan(0.05); // t(4) one-sided 5% critical value is 2.132
    expect(r.pValue).toBeGreaterThan(0.025); // … and 2.776 at 2.5%
  });

  it("Cliff's delta: (1 greater − 4 smaller)/6 pairs", () => {
    expect(cliffsDelta([1, 2, 3], [2, 4])).toBeCloseTo(-0.5, 12);
  });

  it('Holm and Benjamini–Hochberg adjusted p-values', () => {
    // sorted 0.005·4, 0.01·3, 0.03·2, 0.04·1 with a running max
    expect(holm([0.01, 0.04, 0.03, 0.005])).toEqual(
      [0.03, 0.06, 0.06, 0.02].map((v) => expect.closeTo(v, 12)),
    );
    // p·m/rank 0.02, 0.02, 0.04, 0.04 with a running min from the top
    expect(benjaminiHochberg([0.01, 0.04, 0.03, 0.005])).toEqual(
      [0.02, 0.04, 0.04, 0.02].map((v) => expect.closeTo(v, 12)),
    );
  });

  it('five-number summary: quartiles between order statistics (R type 7)', () => {
    // n = 10 shuffled 1..10: Q1 at position 1 + 9·0.25 = 3.25 → 3.25; median 5.5; Q3 at 7.75 → 7.75
    expect(spreadOf('x', 'all', [7, 2, 10, 4, 1, 9, 3, 6, 8, 5])).toEqual({
      measure: 'x',
      label: 'all',
      n: 10,
      min: 1,
      q1: 3.25,
      median: 5.5,
      q3: 7.75,
      max: 10,
    });
    // n = 5 of [0, 0, 1, 4, 10]: Q1 at position 2 → 0; Q3 at position 4 → 4
    expect(spreadOf('x', 'all', [10, 0, 4, 1, 0])).toMatchObject({ q1: 0, median: 1, q3: 4 });
  });

  it('OLS with HC1: y = [1, 3, 2, 5] on x = [0, 1, 2, 3]', () => {
    // β = (X'X)⁻¹X'y = [1.1, 1.1]; residuals −0.1, 0.8, −1.3, 0.6; R² = 1 − 2.7/8.75
    // HC1 = 4/2 · (X'X)⁻¹ (Σ e² x x') (X'X)⁻¹ = [[0.2772, −0.0648], [−0.0648, 0.1132]]
    const m = ols(
      [1, 3, 2, 5],
      [
        [1, 0],
        [1, 1],
        [1, 2],
        [1, 3],
      ],
      ['intercept', 'x'],
    );
    expect(m.coefficients[0]).toBeCloseTo(1.1, 10);
    expect(m.coefficients[1]).toBeCloseTo(1.1, 10);
    expect(m.rSquared).toBeCloseTo(1 - 2.7 / 8.75, 10);
    expect(m.standardErrors[0]).toBeCloseTo(Math.sqrt(0.2772), 10);
    expect(m.standardErrors[1]).toBeCloseTo(Math.sqrt(0.1132), 10);
    expect(m.covariance[0]![1]).toBeCloseTo(-0.0648, 10);
    const f = waldF(m, [1]);
    expect(f.statistic).toBeCloseTo(1.21 / 0.1132, 10);
    expect(f.df).toEqual([1, 2]);
    // a one-restriction F equals the squared t
    expect(f.pValue).toBeCloseTo(m.pValues[1]!, 6);
  });

  it('bootstrap: the same seed gives the same interval, and the interval holds the mean', () => {
    const sample = Array.from({ length: 200 }, (_, i) => (i * 37) % 101);
    const meanOf = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    const a = bootstrap([sample], ([s]) => meanOf(s!), { seed: 7 });
    expect(bootstrap([sample], ([s]) => meanOf(s!), { seed: 7 })).toEqual(a);
    expect(bootstrap([sample], ([s]) => meanOf(s!), { seed: 8 })).not.toEqual(a);
    expect(a.low).toBeLessThan(meanOf(sample));
    expect(a.high).toBeGreaterThan(meanOf(sample));
  });

  it('refuses a constant column and collinear regressors with a message, never NaN', () => {
    expect(() =>
      kruskalWallis(
        [
          [4, 4],
          [4, 4],
        ],
        'rating',
      ),
    ).toThrow(
      new AnalysisError(
        'rating is 4 for every observation in the selection: nothing to compare (widen the filters or the date window)',
      ),
    );
    expect(() => welchT([1, 1, 1], [1, 1], 'the daily review change')).toThrow(AnalysisError);
    expect(() =>
      ols(
        [1, 2, 3, 4, 5],
        [
          [1, 1, 2],
          [1, 2, 4],
          [1, 3, 6],
          [1, 4, 8],
          [1, 5, 10],
        ],
        ['i', 'a', 'b'],
      ),
    ).toThrow(/collinear/);
  });
});
