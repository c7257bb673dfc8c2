import { type Cluster, clusterMean, groupBy } from './analysis.ts';
import type { BusinessDayRow } from './data.ts';
import { requireSize } from './guards.ts';
import type { Estimate } from './result.ts';
import { bootstrap, type Interval, type TestResult, welchT } from './stats.ts';

export interface GroupSummary {
  label: string;
  mean: number;
  interval: Interval;
  businessDays: number;
  businesses: number;
}

export interface TwoGroupComparison {
  groups: [GroupSummary, GroupSummary];
  difference: { value: number; interval: Interval };
  welch: TestResult;
  /** Cohen's d with the pooled standard deviation of the business-days. */
  cohenD: number;
}

/**
 * Compares the mean of a per-business-day value between two groups: Welch's t on the
 * business-days (as the original did) and cluster-bootstrap CIs that resample whole businesses,
 * since the days of one business are not independent.
 */
export function compareBusinessDays(
  groups: [{ label: string; rows: BusinessDayRow[] }, { label: string; rows: BusinessDayRow[] }],
  value: (row: BusinessDayRow) => number,
  what: string,
  seed: number,
): TwoGroupComparison {
  const prepared = groups.map(({ label, rows }) => {
    const clusters: Cluster[] = [...groupBy(rows, (r) => r.business_id).values()].map((days) => [
      days.reduce((s, r) => s + value(r), 0),
      days.length,
    ]);
    requireSize(label, clusters.length);
    return { label, values: rows.map(value), clusters };
  });
  const [a, b] = prepared as [(typeof prepared)[0], (typeof prepared)[0]];
  const summaries = prepared.map((g, k) => ({
    label: g.label,
    mean: clusterMean(g.clusters),
    interval: bootstrap([g.clusters], ([c]) => clusterMean(c!), { seed: seed + k }),
    businessDays: g.values.length,
    businesses: g.clusters.length,
  })) as [GroupSummary, GroupSummary];
  const welch = welchT(a.values, b.values, what);
  const variance = (v: number[], m: number) => v.reduce((s, x) => s + (x - m) ** 2, 0);
  const pooled = Math.sqrt(
    (variance(a.values, summaries[0].mean) + variance(b.values, summaries[1].mean)) /
      (a.values.length + b.values.length - 2),
  );
  return {
    groups: summaries,
    difference: {
      value: summaries[0].mean - summaries[1].mean,
      interval: bootstrap([a.clusters, b.clusters], ([x, y]) => clusterMean(x!) - clusterMean(y!), {
        seed: seed + 2,
      }),
    },
    welch,
    cohenD: (summaries[0].mean - summaries[1].mean) / pooled,
  };
}

/** The two group means and their difference as result estimates. */
export function comparisonEstimates(
  c: TwoGroupComparison,
  meanGroup: string,
  differenceGroup: string,
): Estimate[] {
  const [a, b] = c.groups;
  return [
    ...c.groups.map((g) => ({
      group: meanGroup,
      label: g.label,
      value: g.mean,
      ciLow: g.interval.low,
      ciHigh: g.interval.high,
      n: g.businessDays,
    })),
    {
      group: differenceGroup,
      label: `${a.label} − ${b.label}`,
      value: c.difference.value,
      ciLow: c.difference.interval.low,
      ciHigh: c.difference.interval.high,
      n: a.businessDays + b.businessDays,
      noEffect: 0,
    },
  ];
}
