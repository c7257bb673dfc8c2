import { z } from 'zod';
import {
  count,
  defineAnalysis,
  fmt,
  meanOf,
  medianOf,
  PRICE_SYMBOLS,
  paramsRecord,
  pct,
  pValueText,
  spreadOf,
  withInterval,
} from '../analysis.ts';
import { type BusinessWindowRow, businessFilters, loadSelection, type Window } from '../data.ts';
import { AnalysisError, MIN_GROUP_SIZE } from '../guards.ts';
import { CommonParams } from '../params.ts';
import { type AnalysisResult, type Estimate, outcome, type Spread, type TestOutcome } from '../result.ts';
import { bootstrap, cliffsDelta, kruskalWallis } from '../stats.ts';

export const PaymentLevelParams = CommonParams.extend({
  includeChains: z
    .boolean()
    .default(false)
    .describe('Include chain locations (they have their own price and behaviour)'),
});
export type PaymentLevelParams = z.output<typeof PaymentLevelParams>;

/** Epsilon² below this is "barely moves" (under 1% of the rank variance). */
const NEGLIGIBLE_EPSILON_SQUARED = 0.01;

interface Metric {
  key: string;
  label: string;
  center: 'median' | 'mean';
  value: (row: BusinessWindowRow) => number | null;
}
const METRICS: Metric[] = [
  { key: 'rating', label: 'rating', center: 'median', value: (r) => r.rating },
  { key: 'review_count', label: 'review count', center: 'median', value: (r) => r.last_review_count },
  {
    key: 'review_growth',
    label: 'reviews gained per day',
    center: 'mean',
    value: (r) => (r.days >= 1 ? (r.last_review_count - r.first_review_count) / r.days : null),
  },
];

/** Payment level against rating, review count and review growth, from the window's business rows. */
export function computePaymentLevel(
  rows: BusinessWindowRow[],
  params: PaymentLevelParams,
  window: Window,
): AnalysisResult {
  const priced = rows.filter((r) => r.payment_level !== null);
  const notes = [`${count(rows.length - priced.length)} businesses without a price level are left out.`];
  const byLevel = PRICE_SYMBOLS.map((symbol, i) => ({
    symbol,
    rows: priced.filter((r) => r.payment_level === i + 1),
  }));
  const levels = byLevel.filter((l) => {
    if (l.rows.length >= MIN_GROUP_SIZE) return true;
    if (l.rows.length > 0)
      notes.push(`n = ${l.rows.length} in group ${l.symbol}: at least ${MIN_GROUP_SIZE} needed, left out.`);
    return false;
  });
  if (levels.length < 2) {
    const small = byLevel.filter((l) => l.rows.length > 0).sort((a, b) => a.rows.length - b.rows.length)[0];
    throw new AnalysisError(
      small
        ? `n = ${small.rows.length} in group ${small.symbol}: at least ${MIN_GROUP_SIZE} needed in two payment levels (widen the filters or the window)`
        : 'no priced business in the selection: widen the filters or the window',
    );
  }
  const estimates: Estimate[] = [];
  const tests: TestOutcome[] = [];
  const spreads: Spread[] = [];
  const epsilon: Record<string, number> = {};
  METRICS.forEach((metric, m) => {
    const groups = levels.map((l) => l.rows.map(metric.value).filter((v): v is number => v !== null));
    const kept = levels.filter((_, g) => groups[g]!.length >= MIN_GROUP_SIZE);
    const values = groups.filter((g) => g.length >= MIN_GROUP_SIZE);
    if (values.length < 2) return;
    const center = metric.center === 'median' ? medianOf : meanOf;
    values.forEach((v, g) => {
      const e = withInterval(v, center, params.seed + 100 * m + g);
      estimates.push({
        group: `${metric.center} ${metric.label}`,
        label: kept[g]!.symbol,
        value: e.value,
        ciLow: e.low,
        ciHigh: e.high,
        n: v.length,
      });
      spreads.push(spreadOf(metric.label, kept[g]!.symbol, v));
    });
    const kw = kruskalWallis(values, metric.label);
    epsilon[metric.key] = kw.epsilonSquared;
    tests.push(
      outcome(
        `Kruskal–Wallis: ${metric.label} by payment level`,
        'H',
        kw,
        params.alpha,
        values.flat().length,
        {
          name: 'epsilon²',
          value: kw.epsilonSquared,
        },
      ),
    );
    for (let a = 0; a < values.length; a++) {
      for (let b = a + 1; b < values.length; b++) {
        estimates.push({
          group: `Cliff's delta, ${metric.label}`,
          label: `${kept[a]!.symbol} vs ${kept[b]!.symbol}`,
          value: cliffsDelta(values[a]!, values[b]!),
          ciLow: null,
          ciHigh: null,
          n: values[a]!.length + values[b]!.length,
          noEffect: 0,
        });
      }
    }
  });

  // Headline: review growth of low-cost ($, $$) against high-cost ($$$, $$$$) businesses.
  const growth = METRICS[2]!;
  const side = (symbols: string[]) =>
    levels
      .filter((l) => symbols.includes(l.symbol))
      .flatMap((l) => l.rows.map(growth.value).filter((v): v is number => v !== null));
  const low = side(['$', '$$']);
  const high = side(['$$$', '$$$$']);
  const findings: AnalysisResult['findings'] = [];
  const ratingTest = tests.find((t) => t.name.includes('rating'));
  let sentence: string;
  if (low.length >= MIN_GROUP_SIZE && high.length >= MIN_GROUP_SIZE && meanOf(high) > 0) {
    const ratio = meanOf(low) / meanOf(high);
    const ci = bootstrap([low, high], ([l, h]) => meanOf(l!) / meanOf(h!), { seed: params.seed + 999 });
    estimates.push({
      group: 'review growth ratio',
      label: 'low ($, $$) / high ($$$, $$$$)',
      value: ratio,
      ciLow: ci.low,
      ciHigh: ci.high,
      n: low.length + high.length,
      noEffect: 1,
    });
    const countTest = tests.find((t) => t.name.includes('review count'));
    findings.push({
      claim: 'Low-cost businesses gather by far the most reviews',
      holds: ci.low > 1 && (countTest?.significant ?? false),
      evidence: `low-cost businesses gained ${fmt(ratio)}× the reviews of high-cost ones (95% CI ${fmt(ci.low)}–${fmt(ci.high)}); review count by level: ${countTest ? pValueText(countTest.pValue) : 'not tested'}`,
    });
    sentence = `Low-cost businesses ($, $$) gained ${fmt(ratio)}× the reviews of high-cost ones ($$$, $$$$) (95% CI ${fmt(ci.low)}–${fmt(ci.high)}, ${count(low.length + high.length)} businesses)`;
  } else {
    sentence = 'Too few high- or low-cost businesses to compare their review growth';
    notes.push(
      `review growth ratio needs at least ${MIN_GROUP_SIZE} low-cost and ${MIN_GROUP_SIZE} high-cost businesses with growth above zero.`,
    );
  }
  if (ratingTest) {
    const share = epsilon.rating!;
    findings.push({
      claim: 'Price barely moves the rating',
      holds: share < NEGLIGIBLE_EPSILON_SQUARED,
      evidence: `epsilon² = ${fmt(share, 4)} (Kruskal–Wallis H = ${fmt(ratingTest.statistic)}, ${pValueText(ratingTest.pValue)})`,
    });
    sentence += `; price level explains ${share < 0.01 ? 'under 1%' : pct(share)} of rating variance (Kruskal–Wallis ${pValueText(ratingTest.pValue)}).`;
  } else sentence += '.';
  return {
    analysis: 'payment-level',
    title: 'Payment level vs rating, review count and review growth',
    window,
    params: paramsRecord(params),
    n: levels.reduce((s, l) => s + l.rows.length, 0),
    unit: 'businesses',
    estimates,
    tests,
    spreads,
    findings,
    sentence,
    notes,
  };
}

export const paymentLevel = defineAnalysis({
  name: 'payment-level',
  title: 'Payment level vs rating, review count and review growth',
  description:
    "Kruskal–Wallis with epsilon² for each metric, Cliff's delta for each pair of levels, bootstrap CIs of medians (growth: means), and whether the original's two findings hold.",
  params: PaymentLevelParams,
  async run(warehouse, params) {
    const { window, rows } = await loadSelection<BusinessWindowRow>(
      warehouse,
      params,
      businessFilters(params),
      'businesses',
    );
    return computePaymentLevel(rows, params, window);
  },
});
