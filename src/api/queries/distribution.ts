/** Five-number summary and a bootstrap confidence interval of the median of a sample. */
export interface Distribution {
  n: number;
  min: number | null;
  q1: number | null;
  median: number | null;
  q3: number | null;
  max: number | null;
  /** 95 % percentile-bootstrap interval of the median. */
  medianLow: number | null;
  medianHigh: number | null;
}

/** Linear interpolation between order statistics (DuckDB's quantile_cont, R type 7). */
export function quantile(sorted: ArrayLike<number>, p: number): number {
  const position = (sorted.length - 1) * p;
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below);
}

/** A small seeded generator, so the same data always gives the same interval (live page = report). */
function mulberry32(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The median of each resample without sorting it: resampling a sorted sample is drawing indices,
 * and counting the draws per index (O(n)) finds the middle order statistic.
 */
function bootstrapMedians(sorted: readonly number[], resamples: number, seed: number): number[] {
  const n = sorted.length;
  const random = mulberry32(seed);
  const counts = new Uint32Array(n);
  const medians: number[] = [];
  const order = (k: number) => {
    let seen = 0;
    for (let i = 0; i < n; i += 1) {
      seen += counts[i]!;
      if (seen > k) return sorted[i]!;
    }
    return sorted[n - 1]!;
  };
  for (let r = 0; r < resamples; r += 1) {
    counts.fill(0);
    for (let i = 0; i < n; i += 1) counts[Math.floor(random() * n)]! += 1;
    medians.push(n % 2 === 1 ? order((n - 1) / 2) : (order(n / 2 - 1) + order(n / 2)) / 2);
  }
  return medians.sort((x, y) => x - y);
}

/** Summary of an ascending sample (as the SQL returns it). */
export function distribution(sorted: readonly number[], resamples = 1000, seed = 1): Distribution {
  const n = sorted.length;
  if (n === 0) {
    return { n, min: null, q1: null, median: null, q3: null, max: null, medianLow: null, medianHigh: null };
  }
  const medians = bootstrapMedians(sorted, resamples, seed);
  return {
    n,
    min: sorted[0]!,
    q1: quantile(sorted, 0.25),
    median: quantile(sorted, 0.5),
    q3: quantile(sorted, 0.75),
    max: sorted[n - 1]!,
    medianLow: quantile(medians, 0.025),
    medianHigh: quantile(medians, 0.975),
  };
}
