/**
 * The statistics the analyses need, on plain arrays. Distributions come from jStat, descriptive
 * figures from simple-statistics, matrices from ml-matrix; what is here is only the textbook
 * formula around them. Every function refuses input it cannot give a number for (AnalysisError),
 * so nothing downstream ever sees NaN.
 */
import jStat from 'jstat';
import { inverse, Matrix } from 'ml-matrix';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { mean, quantileSorted, sampleVariance } from 'simple-statistics';
import { AnalysisError } from './guards.ts';

/** Midranks (1-based, ties share their average) and the tie term Σ(t³ − t). */
export function ranks(values: readonly number[]): { ranks: number[]; ties: number } {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(values.length);
  let ties = 0;
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && order[end + 1]![0] === order[start]![0]) end++;
    const rank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) out[order[k]![1]] = rank;
    const t = end - start + 1;
    ties += t ** 3 - t;
    start = end + 1;
  }
  return { ranks: out, ties };
}

export interface TestResult {
  statistic: number;
  df: number[];
  pValue: number;
}

/** Kruskal–Wallis H (tie-corrected), its χ² p-value and epsilon² = H / (N − 1). */
export function kruskalWallis(
  groups: readonly (readonly number[])[],
  what: string,
): TestResult & { epsilonSquared: number } {
  const all = groups.flat();
  const n = all.length;
  const { ranks: r, ties } = ranks(all);
  const correction = 1 - ties / (n ** 3 - n);
  if (!(correction > 0)) throw AnalysisError.constant(what, all[0]!);
  let offset = 0;
  let sum = 0;
  for (const g of groups) {
    let rankSum = 0;
    for (let k = 0; k < g.length; k++) rankSum += r[offset + k]!;
    sum += rankSum ** 2 / g.length;
    offset += g.length;
  }
  const h = ((12 / (n * (n + 1))) * sum - 3 * (n + 1)) / correction;
  const df = groups.length - 1;
  return { statistic: h, df: [df], pValue: 1 - jStat.chisquare.cdf(h, df), epsilonSquared: h / (n - 1) };
}

/** Cliff's delta P(a > b) − P(a < b), from the Mann–Whitney U of midranks. */
export function cliffsDelta(a: readonly number[], b: readonly number[]): number {
  const { ranks: r } = ranks([...a, ...b]);
  let rankSum = 0;
  for (let k = 0; k < a.length; k++) rankSum += r[k]!;
  const u = rankSum - (a.length * (a.length + 1)) / 2;
  return (2 * u) / (a.length * b.length) - 1;
}

/** Welch's two-sample t-test (two-sided), Welch–Satterthwaite degrees of freedom. */
export function welchT(a: readonly number[], b: readonly number[], what: string): TestResult {
  const va = sampleVariance(a as number[]) / a.length;
  const vb = sampleVariance(b as number[]) / b.length;
  if (!(va + vb > 0)) throw AnalysisError.constant(what, a[0]!);
  const t = (mean(a as number[]) - mean(b as number[])) / Math.sqrt(va + vb);
  const df = (va + vb) ** 2 / (va ** 2 / (a.length - 1) + vb ** 2 / (b.length - 1));
  return { statistic: t, df: [df], pValue: 2 * (1 - jStat.studentt.cdf(Math.abs(t), df)) };
}

/** One-sample t-test of the mean against mu0, one-sided (alternative: greater). */
export function oneSampleTGreater(x: readonly number[], mu0: number, what: string): TestResult {
  const v = sampleVariance(x as number[]);
  if (!(v > 0)) throw AnalysisError.constant(what, x[0]!);
  const t = (mean(x as number[]) - mu0) / Math.sqrt(v / x.length);
  const df = x.length - 1;
  return { statistic: t, df: [df], pValue: 1 - jStat.studentt.cdf(t, df) };
}

/** Holm's step-down adjusted p-values (same order as given). */
export function holm(p: readonly number[]): number[] {
  const order = p.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(p.length);
  let running = 0;
  order.forEach(([v, i], k) => {
    running = Math.max(running, Math.min(1, (p.length - k) * v));
    out[i] = running;
  });
  return out;
}

/** Benjamini–Hochberg adjusted p-values (same order as given). */
export function benjaminiHochberg(p: readonly number[]): number[] {
  const order = p.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0]);
  const out = new Array<number>(p.length);
  let running = 1;
  order.forEach(([v, i], k) => {
    const rank = p.length - k;
    running = Math.min(running, (p.length * v) / rank);
    out[i] = running;
  });
  return out;
}

/** A seeded generator of integers in [0, n): bootstrap resamples are the same on every run. */
export function seededIndex(seed: number): (n: number) => number {
  const rng = xoroshiro128plus(seed);
  return (n) => uniformInt(rng, 0, n - 1);
}

export interface Interval {
  low: number;
  high: number;
}

/**
 * Percentile bootstrap: `statistic` is called `replicates` times with a resample (drawn with
 * replacement) of each of the given samples; returns the central `level` interval.
 */
export function bootstrap<T>(
  samples: readonly (readonly T[])[],
  statistic: (resampled: T[][]) => number,
  options: { seed: number; replicates?: number; level?: number },
): Interval {
  const draw = seededIndex(options.seed);
  const replicates = options.replicates ?? 1000;
  const level = options.level ?? 0.95;
  const values: number[] = [];
  for (let r = 0; r < replicates; r++) {
    const resampled = samples.map((s) => Array.from({ length: s.length }, () => s[draw(s.length)]!));
    const v = statistic(resampled);
    if (Number.isFinite(v)) values.push(v);
  }
  if (values.length < replicates / 2) {
    throw new AnalysisError('the bootstrap gave no finite value for most resamples: too few observations');
  }
  values.sort((a, b) => a - b);
  return {
    low: quantileSorted(values, (1 - level) / 2),
    high: quantileSorted(values, 1 - (1 - level) / 2),
  };
}

export interface OlsResult {
  names: string[];
  coefficients: number[];
  /** HC1 (White, n / (n − k) scaled) standard errors. */
  standardErrors: number[];
  tValues: number[];
  pValues: number[];
  intervals: Interval[];
  rSquared: number;
  adjustedRSquared: number;
  n: number;
  /** Residual degrees of freedom n − k. */
  dfResidual: number;
  /** HC1 covariance matrix of the coefficients. */
  covariance: number[][];
}

/** Ordinary least squares with HC1 robust standard errors; `rows` include the intercept column. */
export function ols(
  y: readonly number[],
  rows: readonly number[][],
  names: string[],
  level = 0.95,
): OlsResult {
  const n = y.length;
  const k = names.length;
  if (n <= k + 1)
    throw new AnalysisError(`n = ${n} for ${k} coefficients: at least ${k + 2} observations needed`);
  const x = new Matrix(rows as number[][]);
  const xt = x.transpose();
  const collinear = () =>
    new AnalysisError(
      'the regressors are collinear (one is a combination of the others): drop a term or widen the filter',
    );
  let xtxInv: Matrix;
  try {
    xtxInv = inverse(xt.mmul(x));
  } catch {
    throw collinear();
  }
  const beta = xtxInv
    .mmul(xt)
    .mmul(Matrix.columnVector(y as number[]))
    .to1DArray();
  if (!beta.every(Number.isFinite)) throw collinear();
  const residuals = y.map((v, i) => v - rows[i]!.reduce((s, xv, j) => s + xv * beta[j]!, 0));
  const meat = new Matrix(k, k);
  rows.forEach((row, i) => {
    const e2 = residuals[i]! ** 2;
    for (let a = 0; a < k; a++)
      for (let b = 0; b < k; b++) meat.set(a, b, meat.get(a, b) + row[a]! * row[b]! * e2);
  });
  const dfResidual = n - k;
  const covariance = xtxInv
    .mmul(meat)
    .mmul(xtxInv)
    .mul(n / dfResidual)
    .to2DArray();
  const standardErrors = covariance.map((row, j) => Math.sqrt(row[j]!));
  const tCrit = jStat.studentt.inv(1 - (1 - level) / 2, dfResidual);
  const tValues = beta.map((b, j) => b / standardErrors[j]!);
  const yMean = mean(y as number[]);
  const ssTotal = y.reduce((s, v) => s + (v - yMean) ** 2, 0);
  if (!(ssTotal > 0)) throw AnalysisError.constant('the outcome', y[0]!);
  const ssResidual = residuals.reduce((s, e) => s + e ** 2, 0);
  const rSquared = 1 - ssResidual / ssTotal;
  return {
    names,
    coefficients: beta,
    standardErrors,
    tValues,
    pValues: tValues.map((t) => 2 * (1 - jStat.studentt.cdf(Math.abs(t), dfResidual))),
    intervals: beta.map((b, j) => ({
      low: b - tCrit * standardErrors[j]!,
      high: b + tCrit * standardErrors[j]!,
    })),
    rSquared,
    adjustedRSquared: 1 - ((1 - rSquared) * (n - 1)) / dfResidual,
    n,
    dfResidual,
    covariance,
  };
}

/**
 * Robust Wald F-test that the coefficients at `indexes` are all zero, using the model's HC1
 * covariance: F = b' V⁻¹ b / q on (q, n − k) degrees of freedom.
 */
export function waldF(model: OlsResult, indexes: readonly number[]): TestResult {
  const b = Matrix.columnVector(indexes.map((j) => model.coefficients[j]!));
  const v = new Matrix(indexes.map((a) => indexes.map((c) => model.covariance[a]![c]!)));
  const q = indexes.length;
  let f: number;
  try {
    f = b.transpose().mmul(inverse(v)).mmul(b).get(0, 0) / q;
  } catch {
    f = Number.NaN;
  }
  if (!Number.isFinite(f)) throw new AnalysisError('the F-test is undefined: a tested term has no variation');
  return { statistic: f, df: [q, model.dfResidual], pValue: 1 - jStat.centralF.cdf(f, q, model.dfResidual) };
}
