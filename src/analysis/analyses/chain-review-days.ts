import { z } from 'zod';
import { count, defineAnalysis, fmt, paramsRecord, pct, pValueText } from '../analysis.ts';
import { type BusinessDayRow, loadSelection, type Window } from '../data.ts';
import { ChainName, CommonParams } from '../params.ts';
import { type AnalysisResult, outcome } from '../result.ts';
import { compareBusinessDays, comparisonEstimates } from '../two-groups.ts';

export const ChainReviewDaysParams = CommonParams.extend({
  chain: z
    .array(ChainName)
    .length(2)
    .default(['Subway', "McDonald's"])
    .describe('The two chains to compare (exact names)'),
});
export type ChainReviewDaysParams = z.output<typeof ChainReviewDaysParams>;

/** Share of business-days with at least one new review, for two chains. */
export function computeChainReviewDays(
  rows: BusinessDayRow[],
  params: ChainReviewDaysParams,
  window: Window,
): AnalysisResult {
  const [first, second] = params.chain as [string, string];
  const c = compareBusinessDays(
    [
      { label: first, rows: rows.filter((r) => r.chain_name === first) },
      { label: second, rows: rows.filter((r) => r.chain_name === second) },
    ],
    (r) => (r.reviews_gained >= 1 ? 1 : 0),
    'the review-increase indicator',
    params.seed,
  );
  const [a, b] = c.groups;
  const test = outcome(
    `Welch t-test: share of business-days with a new review, ${first} vs ${second}`,
    't',
    c.welch,
    params.alpha,
    a.businessDays + b.businessDays,
    {
      name: "Cohen's h",
      value: 2 * Math.asin(Math.sqrt(a.mean)) - 2 * Math.asin(Math.sqrt(b.mean)),
    },
  );
  // The original's second interval: the textbook standard error of a proportion.
  const formula = c.groups.map((g) => {
    const se = Math.sqrt((g.mean * (1 - g.mean)) / g.businessDays);
    return {
      group: 'share, 95% CI from the SE formula',
      label: g.label,
      value: g.mean,
      ciLow: g.mean - 1.96 * se,
      ciHigh: g.mean + 1.96 * se,
      n: g.businessDays,
    };
  });
  const ci = c.difference.interval;
  const higher = c.difference.value >= 0 ? first : second;
  return {
    analysis: 'chain-review-days',
    title: 'Two chains: share of business-days with a review increase',
    window,
    params: paramsRecord(params),
    n: a.businessDays + b.businessDays,
    unit: 'business-days',
    estimates: [
      ...comparisonEstimates(
        c,
        'share of business-days with a new review (bootstrap 95% CI)',
        'difference of shares',
      ),
      ...formula,
    ],
    tests: [test],
    spreads: [],
    findings: [],
    sentence: `${first} locations gained a review on ${pct(a.mean, 2)} of business-days (95% CI ${pct(a.interval.low, 2)}–${pct(a.interval.high, 2)}, ${count(a.businesses)} locations) and ${second} on ${pct(b.mean, 2)} (${pct(b.interval.low, 2)}–${pct(b.interval.high, 2)}, ${count(b.businesses)}); ${test.significant ? `${higher} is ahead by ${fmt(100 * Math.abs(c.difference.value), 2)} points` : 'the difference is not significant'} (95% CI of the difference ${fmt(100 * ci.low, 2)} to ${fmt(100 * ci.high, 2)} points; ${pValueText(test.pValue)}).`,
    notes: ['Bootstrap intervals resample whole locations.'],
  };
}

export const chainReviewDays = defineAnalysis({
  name: 'chain-review-days',
  title: 'Two chains: share of business-days with a review increase',
  description:
    "Share of business-days with at least one new review for two chains (default Subway vs McDonald's), bootstrap and SE-formula CIs, and their difference.",
  params: ChainReviewDaysParams,
  async run(warehouse, params) {
    const filters = { states: params.state, categories: params.category, chains: params.chain };
    const { window, rows } = await loadSelection<BusinessDayRow>(warehouse, params, filters, 'business-days');
    return computeChainReviewDays(rows, params, window);
  },
});
