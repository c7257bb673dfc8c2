import type { z } from 'zod';
import {
  count,
  defineAnalysis,
  groupBy,
  medianOf,
  paramsRecord,
  pct,
  pValueText,
  spreadOf,
} from '../analysis.ts';
import { type CountyGrowthRow, countyGrowth, describeSelection, requireRows } from '../data.ts';
import { AnalysisError, MIN_GROUP_SIZE } from '../guards.ts';
import { CommonParams } from '../params.ts';
import { type AnalysisResult, type Estimate, outcome, type TestOutcome } from '../result.ts';
import { bootstrap, kruskalWallis } from '../stats.ts';

export const CountyPopulationGrowthParams = CommonParams.pick({ state: true, alpha: true, seed: true });
export type CountyPopulationGrowthParams = z.output<typeof CountyPopulationGrowthParams>;

type Pair = readonly [earlier: number, later: number];
const growthOf = (pairs: readonly Pair[]) => {
  let earlier = 0;
  let later = 0;
  for (const [e, l] of pairs) {
    earlier += e;
    later += l;
  }
  return later / earlier - 1;
};

/** County population growth between the two latest estimate years, by state. */
export function computeCountyPopulationGrowth(
  rows: CountyGrowthRow[],
  params: CountyPopulationGrowthParams,
): AnalysisResult {
  const usable = rows.filter((r) => r.earlier_population > 0);
  if (usable.length === 0)
    throw new AnalysisError('no county has a population in both of the two latest estimate years');
  const { earlier_year: earlier, later_year: later } = usable[0]!;
  const estimates: Estimate[] = [];
  const byState = [...groupBy(usable, (r) => r.state_code)].sort((a, b) => a[0].localeCompare(b[0]));
  const states = byState.map(([state, counties], k) => {
    const pairs = counties.map((c) => [c.earlier_population, c.later_population] as const);
    const growth = growthOf(pairs);
    const ci =
      counties.length >= 2 ? bootstrap([pairs], ([p]) => growthOf(p!), { seed: params.seed + k }) : null;
    estimates.push({
      group: `population growth ${earlier}–${later}`,
      label: state,
      value: growth,
      ciLow: ci?.low ?? null,
      ciHigh: ci?.high ?? null,
      n: counties.length,
    });
    const rates = pairs.map(([e, l]) => l / e - 1);
    estimates.push({
      group: 'median county growth',
      label: state,
      value: medianOf(rates),
      ciLow: null,
      ciHigh: null,
      n: counties.length,
    });
    return { state, growth, rates };
  });
  const tests: TestOutcome[] = [];
  const compared = states.filter((s) => s.rates.length >= MIN_GROUP_SIZE);
  if (compared.length >= 2) {
    const kw = kruskalWallis(
      compared.map((s) => s.rates),
      'county growth',
    );
    tests.push(
      outcome(
        'Kruskal–Wallis: county growth by state',
        'H',
        kw,
        params.alpha,
        compared.reduce((s, c) => s + c.rates.length, 0),
        { name: 'epsilon²', value: kw.epsilonSquared },
      ),
    );
  }
  const ranked = [...states].sort((a, b) => b.growth - a.growth);
  const top = ranked[0]!;
  const bottom = ranked[ranked.length - 1]!;
  const signed = (x: number) => (x >= 0 ? `+${pct(x, 2)}` : pct(x, 2));
  const kw = tests[0];
  return {
    analysis: 'county-population-growth',
    title: 'County population growth by state',
    window: null,
    params: paramsRecord(params),
    n: usable.length,
    unit: 'counties',
    estimates,
    tests,
    spreads: states.map((s) => spreadOf('county growth', s.state, s.rates)),
    findings: [],
    sentence: `Between ${earlier} and ${later} the population ${states.length > 1 ? `grew most in ${top.state} (${signed(top.growth)}) and least in ${bottom.state} (${signed(bottom.growth)})` : `of ${top.state} changed by ${signed(top.growth)}`} across ${count(usable.length)} counties${kw ? `; county growth ${kw.significant ? 'differs' : 'does not differ significantly'} between states (Kruskal–Wallis H = ${kw.statistic.toFixed(1)}, ${pValueText(kw.pValue)})` : ''}.`,
    notes:
      states.length > compared.length
        ? [
            `${states.length - compared.length} states with fewer than ${MIN_GROUP_SIZE} counties are left out of the test.`,
          ]
        : [],
  };
}

export const countyPopulationGrowth = defineAnalysis({
  name: 'county-population-growth',
  title: 'County population growth by state',
  description:
    'Population growth between the two latest Census estimate years per state (bootstrap CI over counties), median county growth, and a Kruskal–Wallis test across states.',
  params: CountyPopulationGrowthParams,
  async run(warehouse, params) {
    const filters = { states: params.state };
    return computeCountyPopulationGrowth(
      requireRows(await countyGrowth(warehouse, filters), 'counties', describeSelection(null, filters)),
      params,
    );
  },
});
