import { z } from 'zod';
import { count, defineAnalysis, fmt, paramsRecord, pValueText } from '../analysis.ts';
import { type BusinessDayRow, loadSelection, type Window } from '../data.ts';
import { CommonParams, StateCode } from '../params.ts';
import { type AnalysisResult, outcome } from '../result.ts';
import { compareBusinessDays, comparisonEstimates } from '../two-groups.ts';

export const StateDailyChangeParams = CommonParams.extend({
  state: z.array(StateCode).length(2).default(['FL', 'NY']).describe('The two states to compare'),
});
export type StateDailyChangeParams = z.output<typeof StateDailyChangeParams>;

/** Two-sided comparison of the mean daily review change of two states' businesses. */
export function computeStateDailyChange(
  rows: BusinessDayRow[],
  params: StateDailyChangeParams,
  window: Window,
): AnalysisResult {
  const [first, second] = params.state as [string, string];
  const c = compareBusinessDays(
    [
      { label: first, rows: rows.filter((r) => r.state_code === first) },
      { label: second, rows: rows.filter((r) => r.state_code === second) },
    ],
    (r) => r.reviews_gained,
    'the daily review change',
    params.seed,
  );
  const [a, b] = c.groups;
  const test = outcome(
    `Welch t-test: daily review change, ${first} vs ${second}`,
    't',
    c.welch,
    params.alpha,
    a.businessDays + b.businessDays,
    {
      name: "Cohen's d",
      value: c.cohenD,
    },
  );
  const ci = c.difference.interval;
  const verdict = test.significant ? 'a significant difference' : 'no significant difference';
  return {
    analysis: 'state-daily-change',
    title: 'Daily review change: two states',
    window,
    params: paramsRecord(params),
    n: a.businessDays + b.businessDays,
    unit: 'business-days',
    estimates: [...comparisonEstimates(c, 'mean reviews gained per business-day', 'difference of means')],
    tests: [test],
    spreads: [],
    findings: [],
    sentence: `Businesses in ${first} gained ${fmt(a.mean, 3)} reviews a day on average and those in ${second} ${fmt(b.mean, 3)}: ${verdict} of ${fmt(c.difference.value, 3)} (95% CI ${fmt(ci.low, 3)} to ${fmt(ci.high, 3)}; Welch t = ${fmt(test.statistic)}, ${pValueText(test.pValue)}; ${count(a.businesses)} and ${count(b.businesses)} businesses).`,
    notes: [
      'Confidence intervals resample whole businesses (their days are not independent); the t-test treats business-days as independent, as the original did.',
    ],
  };
}

export const stateDailyChange = defineAnalysis({
  name: 'state-daily-change',
  title: 'Daily review change: two states',
  description:
    'Welch t-test of the mean daily review change between two states (default FL vs NY) and a bootstrap CI of the difference.',
  params: StateDailyChangeParams,
  async run(warehouse, params) {
    const filters = { states: params.state, categories: params.category };
    const { window, rows } = await loadSelection<BusinessDayRow>(warehouse, params, filters, 'business-days');
    return computeStateDailyChange(rows, params, window);
  },
});
