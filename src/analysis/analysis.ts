import { quantileSorted } from 'simple-statistics';
import type { z } from 'zod';
import type { WarehouseAdapter } from '../warehouse/adapter.ts';
import type { AnalysisResult, Spread } from './result.ts';
import { bootstrap } from './stats.ts';

/** A named, parameterized analysis over the warehouse marts. */
export interface Analysis<P extends z.ZodObject = z.ZodObject> {
  name: string;
  title: string;
  description: string;
  params: P;
  run(warehouse: WarehouseAdapter, params: z.output<P>): Promise<AnalysisResult>;
}

/** Declares an analysis with its parameter type inferred. */
export function defineAnalysis<P extends z.ZodObject>(analysis: Analysis<P>): Analysis<P> {
  return analysis;
}

/** Parameters as plain values for the result (defaults filled in, undefined dropped). */
export function paramsRecord(params: Record<string, unknown>): AnalysisResult['params'] {
  return Object.fromEntries(
    Object.entries(params).filter(([, v]) => v !== undefined),
  ) as AnalysisResult['params'];
}

// ---- numbers in words ---------------------------------------------------------------------------

export function fmt(value: number, digits = 2): string {
  const abs = Math.abs(value);
  const d = abs !== 0 && abs < 0.01 ? Math.max(digits, 1 - Math.floor(Math.log10(abs)) + 1) : digits;
  return value
    .toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d })
    .replace('-', '−');
}

export function pct(value: number, digits = 1): string {
  return `${fmt(100 * value, digits)}%`;
}

export function pValueText(p: number): string {
  return p < 0.001 ? 'p < 0.001' : `p = ${p.toFixed(3)}`;
}

export function count(n: number): string {
  return n.toLocaleString('en-US');
}

export const PRICE_SYMBOLS = ['$', '$$', '$$$', '$$$$'] as const;

// ---- small shared computations ------------------------------------------------------------------

export function meanOf(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

export function medianOf(values: readonly number[]): number {
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A figure and its percentile-bootstrap interval over one sample. */
export function withInterval(
  values: readonly number[],
  statistic: (v: readonly number[]) => number,
  seed: number,
): { value: number; low: number; high: number } {
  const ci = bootstrap([values], ([v]) => statistic(v!), { seed });
  return { value: statistic(values), ...ci };
}

/** The five-number summary of a non-empty sample (quartiles as R type 7, like the segments page). */
export function spreadOf(measure: string, label: string, values: readonly number[]): Spread {
  const sorted = Array.from(Float64Array.from(values).sort());
  const q = (p: number) => quantileSorted(sorted, p);
  return {
    measure,
    label,
    n: sorted.length,
    min: sorted[0]!,
    q1: q(0.25),
    median: q(0.5),
    q3: q(0.75),
    max: sorted.at(-1)!,
  };
}

/** Groups rows by a key, keeping first-seen order. */
export function groupBy<T, K>(rows: readonly T[], key: (row: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const row of rows) {
    const k = key(row);
    const list = out.get(k);
    if (list) list.push(row);
    else out.set(k, [row]);
  }
  return out;
}

/**
 * Clusters (e.g. a business's days) reduced to [sum, count]: the mean over a resample of clusters
 * is Σ sums / Σ counts, so a cluster bootstrap costs one pass over the clusters per replicate.
 */
export type Cluster = readonly [sum: number, count: number];

export function clusterMean(clusters: readonly Cluster[]): number {
  let sum = 0;
  let n = 0;
  for (const [s, c] of clusters) {
    sum += s;
    n += c;
  }
  return sum / n;
}
