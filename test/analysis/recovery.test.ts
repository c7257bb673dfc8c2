import { describe, expect, it } from 'vitest';
import {
  ChainReviewDaysParams,
  computeChainReviewDays,
} from '../../src/analysis/analyses/chain-review-days.ts';
import {
  CountyPopulationGrowthParams,
  computeCountyPopulationGrowth,
} from '../../src/analysis/analyses/county-population-growth.ts';
import { computePaymentLevel, PaymentLevelParams } from '../../src/analysis/analyses/payment-level.ts';
import {
  computeReviewCountRegression,
  ReviewCountRegressionParams,
} from '../../src/analysis/analyses/review-count-regression.ts';
import {
  computeReviewRiseShare,
  ReviewRiseShareParams,
} from '../../src/analysis/analyses/review-rise-share.ts';
import {
  computeStateDailyChange,
  StateDailyChangeParams,
} from '../../src/analysis/analyses/state-daily-change.ts';
import type { AnalysisResult } from '../../src/analysis/result.ts';
import { addDays } from '../../src/common/dates.ts';
import { REVIEW_SEASON, TRANSACTION_VOLUME } from '../../src/simulator/effects.ts';
import { countyPopulations, geography, stateTotal } from '../../src/simulator/geo.ts';
import { createWorld } from '../../src/simulator/world.ts';
import { plantedRate, worldRows } from './world-rows.ts';

const SEEDS = [1, 2, 3];
const ALPHA = 0.05;
/** Days of the review-rise window inside the review season. */
const SEASON_WINDOW = 30;
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const estimate = (r: AnalysisResult, group: string, label: string) => {
  const e = r.estimates.find((x) => x.group === group && x.label === label);
  if (!e) throw new Error(`no estimate ${group} / ${label} in ${r.analysis}`);
  return e;
};
const expectWithin = (value: number, e: { ciLow: number | null; ciHigh: number | null }) => {
  expect(value).toBeGreaterThanOrEqual(e.ciLow!);
  expect(value).toBeLessThanOrEqual(e.ciHigh!);
};

/**
 * Each analysis on worlds of 2,000 businesses over 30 days, for three seeds: it finds the effect
 * the simulator planted (sign, and the planted size inside its CI) and no significant effect where
 * the simulator plants none (src/simulator/effects.ts).
 */
describe.each(SEEDS)('analyses recover the planted effects (seed %i)', (seed) => {
  const world = createWorld({ businesses: 2000, seed });
  const { window, business, daily } = worldRows(world, '2026-10-26', 30);
  const independent = business.filter((r) => r.chain_name === null);

  it('payment level: low-cost businesses gain more reviews by the planted ratio; price leaves the rating alone', () => {
    const result = computePaymentLevel(independent, PaymentLevelParams.parse({ alpha: ALPHA }), window);
    const ratio = estimate(result, 'review growth ratio', 'low ($, $$) / high ($$$, $$$$)');
    const rateOf = (levels: number[]) =>
      mean(
        independent
          .filter((r) => levels.includes(r.payment_level ?? 0))
          .map((r) => plantedRate(world, r.yelp_id)),
      );
    const planted = rateOf([1, 2]) / rateOf([3, 4]);
    expect(planted).toBeGreaterThan(1.5);
    expect(ratio.value).toBeGreaterThan(1);
    expectWithin(planted, ratio);
    const count = result.tests.find((t) => t.name.includes('review count'))!;
    expect(count.significant).toBe(true);
    const rating = result.tests.find((t) => t.name.includes('rating'))!;
    expect(rating.pValue).toBeGreaterThanOrEqual(ALPHA);
    expect(result.findings.map((f) => f.holds)).toEqual([true, true]);
  });

  it('two states: FL above NY by the planted difference; two states without one show none', () => {
    const planted = (state: string) =>
      mean(business.filter((r) => r.state_code === state).map((r) => plantedRate(world, r.yelp_id)));
    const result = computeStateDailyChange(daily, StateDailyChangeParams.parse({ alpha: ALPHA }), window);
    const difference = estimate(result, 'difference of means', 'FL − NY');
    expect(difference.value).toBeGreaterThan(0);
    expect(result.tests[0]!.significant).toBe(true);
    expectWithin(planted('FL') - planted('NY'), difference);
    const none = computeStateDailyChange(
      daily,
      StateDailyChangeParams.parse({ state: ['GA', 'NC'], alpha: ALPHA }),
      window,
    );
    expect(none.tests[0]!.pValue).toBeGreaterThanOrEqual(ALPHA);
  });

  it("two chains: McDonald's gains reviews on more days than Subway, Pizza Hut and Domino's alike", () => {
    const share = (chain: string) =>
      mean(
        business.filter((r) => r.chain_name === chain).map((r) => Math.min(1, plantedRate(world, r.yelp_id))),
      );
    const result = computeChainReviewDays(daily, ChainReviewDaysParams.parse({ alpha: ALPHA }), window);
    const difference = estimate(result, 'difference of shares', "Subway − McDonald's");
    expect(difference.value).toBeLessThan(0);
    expect(result.tests[0]!.significant).toBe(true);
    expectWithin(share('Subway') - share("McDonald's"), difference);
    for (const chain of ['Subway', "McDonald's"]) {
      expectWithin(
        share(chain),
        estimate(result, 'share of business-days with a new review (bootstrap 95% CI)', chain),
      );
    }
    const none = computeChainReviewDays(
      daily,
      ChainReviewDaysParams.parse({ chain: ['Pizza Hut', "Domino's"], alpha: ALPHA }),
      window,
    );
    expect(none.tests[0]!.pValue).toBeGreaterThanOrEqual(ALPHA);
  });

  it('review-rise share: the share counted independently, adjusted p-values never below the raw ones, no state out of season', () => {
    const params = ReviewRiseShareParams.parse({ threshold: 10, reference: 0.05, alpha: ALPHA });
    const result = computeReviewRiseShare(business, params, window);
    const rose = business.filter((r) => r.last_review_count >= 1.1 * r.first_review_count).length;
    const all = estimate(result, 'share rising by ≥ 10%', 'all');
    expect(all.value).toBeCloseTo(rose / business.length, 12);
    expectWithin(rose / business.length, all);
    // October is out of the review season: no state rises above the reference.
    for (const t of result.tests.slice(1)) expect(t.significant, t.name).toBe(false);
    const bh = computeReviewRiseShare(business, { ...params, correction: 'bh' }, window);
    const perState = (r: AnalysisResult) => r.tests.slice(1).map((t) => t.pValue);
    perState(bh).forEach((p, k) => {
      expect(perState(result)[k]!).toBeGreaterThanOrEqual(p - 1e-12);
    });
  });

  it('review-rise share: the review-season states rise by its size, in the planted share; no other state does', () => {
    const { states, from, days, percent } = REVIEW_SEASON;
    const pad = (n: number) => String(n).padStart(2, '0');
    const seasonStart = `2026-${pad(from.month)}-${pad(from.day)}`;
    // Window (start, start + 30] lies inside the season: each business's burst day falls in it
    // with probability 30 / days.
    const start = addDays(seasonStart, 14);
    expect(addDays(start, SEASON_WINDOW) < addDays(seasonStart, days)).toBe(true);
    const season = worldRows(world, start, SEASON_WINDOW, { daily: false });
    const params = ReviewRiseShareParams.parse({ threshold: percent, alpha: ALPHA });
    const inSeason = (r: { state_code: string }) => states.includes(r.state_code);
    const stateOf = (name: string) => /^one-sided t-test in ([A-Z]{2}) /.exec(name)?.[1] ?? '';
    const byState = computeReviewRiseShare(season.business, params, season.window);
    for (const state of states) {
      expect(byState.tests.find((t) => stateOf(t.name) === state)!.significant).toBe(true);
      const e = estimate(byState, `share rising by ≥ ${percent}%, by state`, state);
      expect(e.value).toBeGreaterThan(params.reference);
    }
    const others = byState.tests.slice(1).filter((t) => !inSeason({ state_code: stateOf(t.name) }));
    expect(others.length).toBeGreaterThan(5);
    for (const t of others) expect(t.significant, t.name).toBe(false);

    // A burst is a rise of at least `percent`%; the others rise that much only from a low review
    // count, as often as in the states without a season.
    const rest = season.business.filter((r) => !inSeason(r));
    const rose = (r: (typeof rest)[number]) =>
      r.last_review_count >= r.first_review_count * (1 + percent / 100);
    const level = rest.filter(rose).length / rest.length;
    const planted = SEASON_WINDOW / days;
    const within = computeReviewRiseShare(season.business.filter(inSeason), params, season.window);
    expectWithin(planted + (1 - planted) * level, estimate(within, `share rising by ≥ ${percent}%`, 'all'));
    expect(within.tests[0]!.significant).toBe(true);
  });

  it('regression: each transaction type multiplies reviews by the planted factor; no interaction with price', () => {
    const rows = independent.filter((r) => r.category_group === 'restaurants' || r.category_group === 'food');
    const result = computeReviewCountRegression(
      rows,
      ReviewCountRegressionParams.parse({ alpha: ALPHA }),
      window,
    );
    const slope = estimate(result, 'coefficient (HC1 95% CI)', 'transactions');
    expectWithin(Math.log(TRANSACTION_VOLUME), slope);
    expect(estimate(result, 'coefficient (HC1 95% CI)', '$$').value).toBeLessThan(0);
    const interaction = result.tests.find((t) => t.name.includes('same at every payment level'))!;
    expect(interaction.pValue).toBeGreaterThanOrEqual(ALPHA);
  });
});

describe('county population growth', () => {
  it("equals each state's growth between its two latest totals", () => {
    const { counties, states } = geography();
    const earlier = countyPopulations(11);
    const later = countyPopulations(12);
    const rows = counties.map((c) => ({
      state_code: c.state.code,
      county_fips_code: c.fips,
      earlier_year: 2018,
      later_year: 2019,
      earlier_population: earlier[c.index]!,
      later_population: later[c.index]!,
    }));
    const result = computeCountyPopulationGrowth(rows, CountyPopulationGrowthParams.parse({}));
    for (const state of states.filter((s) => counties.some((c) => c.state.code === s.code))) {
      const e = estimate(result, 'population growth 2018–2019', state.code);
      expect(e.value).toBeCloseTo(stateTotal(state, 12) / stateTotal(state, 11) - 1, 12);
    }
    expect(result.tests[0]!.significant).toBe(true);
  });
});
