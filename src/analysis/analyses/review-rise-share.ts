import { z } from 'zod';
import {
  count,
  defineAnalysis,
  fmt,
  groupBy,
  meanOf,
  paramsRecord,
  pct,
  pValueText,
  withInterval,
} from '../analysis.ts';
import { type BusinessWindowRow, loadSelection, type Window } from '../data.ts';
import { AnalysisError, MIN_GROUP_SIZE, requireSize } from '../guards.ts';
import { CommonParams } from '../params.ts';
import { type AnalysisResult, type Estimate, outcome, type TestOutcome } from '../result.ts';
import { benjaminiHochberg, holm, oneSampleTGreater } from '../stats.ts';

export const ReviewRiseShareParams = CommonParams.extend({
  threshold: z.number().gt(0).max(1000).default(15).describe('Review-count rise that counts, in percent'),
  reference: z.number().gt(0).lt(1).default(0.05).describe('Reference share the test compares with'),
  correction: z.enum(['holm', 'bh']).default('holm').describe('Multiple-testing correction across states'),
});
export type ReviewRiseShareParams = z.output<typeof ReviewRiseShareParams>;

const daysBetween = (from: string, to: string) =>
  Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000);

/**
 * Share of businesses whose review count rose by at least `threshold`% over the window (those held
 * on its first and last day), one-sided t-test against `reference`, then per state with correction.
 */
export function computeReviewRiseShare(
  rows: BusinessWindowRow[],
  params: ReviewRiseShareParams,
  window: Window,
): AnalysisResult {
  const span = daysBetween(window.from, window.to);
  if (span < 1)
    throw new AnalysisError(
      `the window ${window.from} to ${window.to} has no second day: give a longer window`,
    );
  const held = rows.filter((r) => r.days === span && r.first_review_count > 0);
  requireSize('businesses held on both ends of the window', held.length);
  const rose = (r: BusinessWindowRow) =>
    r.last_review_count >= r.first_review_count * (1 + params.threshold / 100) ? 1 : 0;
  const overall = held.map(rose);
  const what = `rising by ≥ ${params.threshold}%`;
  const test = outcome(
    `one-sided t-test: share ${what} > ${pct(params.reference)}`,
    't',
    oneSampleTGreater(overall, params.reference, what),
    params.alpha,
    held.length,
  );
  const share = withInterval(overall, meanOf, params.seed);
  const estimates: Estimate[] = [
    {
      group: `share ${what}`,
      label: 'all',
      value: share.value,
      ciLow: share.low,
      ciHigh: share.high,
      n: held.length,
      noEffect: params.reference,
    },
  ];
  const notes: string[] = [];
  const states = [...groupBy(held, (r) => r.state_code)].sort((a, b) => a[0].localeCompare(b[0]));
  const tested: { state: string; values: number[]; pValue: number; statistic: number }[] = [];
  const small: string[] = [];
  const constant: string[] = [];
  for (const [state, members] of states) {
    const values = members.map(rose);
    if (values.length < MIN_GROUP_SIZE) small.push(`${state} (n = ${values.length})`);
    // No variance: the t statistic is undefined.
    else if (values.every((v) => v === values[0])) constant.push(state);
    else {
      const t = oneSampleTGreater(values, params.reference, `${what} in ${state}`);
      tested.push({ state, values, pValue: t.pValue, statistic: t.statistic });
    }
  }
  if (small.length)
    notes.push(`Not tested, at least ${MIN_GROUP_SIZE} businesses needed: ${small.join(', ')}.`);
  if (constant.length)
    notes.push(
      `Not tested, every business on the same side of ${params.threshold}%: ${constant.join(', ')}.`,
    );
  const adjusted = (params.correction === 'holm' ? holm : benjaminiHochberg)(tested.map((t) => t.pValue));
  const perState: TestOutcome[] = tested.map((t, k) => ({
    ...outcome(
      `one-sided t-test in ${t.state}`,
      't',
      { statistic: t.statistic, df: [t.values.length - 1], pValue: adjusted[k]! },
      params.alpha,
      t.values.length,
    ),
    name: `one-sided t-test in ${t.state} (${params.correction === 'holm' ? 'Holm' : 'Benjamini–Hochberg'}-adjusted p)`,
  }));
  tested.forEach((t, k) => {
    const e = withInterval(t.values, meanOf, params.seed + k + 1);
    estimates.push({
      group: `share ${what}, by state`,
      label: t.state,
      value: e.value,
      ciLow: e.low,
      ciHigh: e.high,
      n: t.values.length,
      noEffect: params.reference,
    });
  });
  const above = tested.filter((_, k) => perState[k]!.significant).map((t) => t.state);
  const overallWords = test.significant ? 'above' : 'not significantly above';
  return {
    analysis: 'review-rise-share',
    title: `Share of businesses with a ≥ ${params.threshold}% review rise`,
    window,
    params: paramsRecord(params),
    n: held.length,
    unit: 'businesses',
    estimates,
    tests: [test, ...perState],
    spreads: [],
    findings: [],
    sentence: `${pct(share.value)} of ${count(held.length)} businesses gained at least ${params.threshold}% more reviews between ${window.from} and ${window.to} (95% CI ${pct(share.low)}–${pct(share.high)}), ${overallWords} the reference ${pct(params.reference)} (one-sided t = ${fmt(test.statistic)}, ${pValueText(test.pValue)}); after ${params.correction === 'holm' ? 'Holm' : 'Benjamini–Hochberg'} correction ${above.length} of ${perState.length} states tested are above it${above.length ? `: ${above.join(', ')}` : ''}.`,
    notes,
  };
}

export const reviewRiseShare = defineAnalysis({
  name: 'review-rise-share',
  title: 'Share of businesses with a review rise',
  description:
    'Share of businesses whose review count rose by at least X% (default 15) over the window, one-sided t-test against a reference share (default 5%), then per state with Holm or Benjamini–Hochberg correction.',
  params: ReviewRiseShareParams,
  async run(warehouse, params) {
    const filters = { states: params.state, categories: params.category };
    const { window, rows } = await loadSelection<BusinessWindowRow>(warehouse, params, filters, 'businesses');
    return computeReviewRiseShare(rows, params, window);
  },
});
