import { z } from 'zod';
import { count, defineAnalysis, fmt, PRICE_SYMBOLS, paramsRecord, pct, pValueText } from '../analysis.ts';
import { type BusinessWindowRow, businessFilters, loadSelection, type Window } from '../data.ts';
import { AnalysisError, MIN_GROUP_SIZE } from '../guards.ts';
import { CommonParams } from '../params.ts';
import { type AnalysisResult, outcome } from '../result.ts';
import { ols, waldF } from '../stats.ts';

export const ReviewCountRegressionParams = CommonParams.extend({
  category: CommonParams.shape.category
    .default(['restaurants', 'food'])
    .describe('Only these top-level categories (default: those that offer transactions)'),
  includeChains: z.boolean().default(false).describe('Include chain locations'),
});
export type ReviewCountRegressionParams = z.output<typeof ReviewCountRegressionParams>;

/**
 * OLS of ln(review count) on transaction count, payment-level dummies (reference: the lowest
 * level present) and their interactions, with HC1 standard errors, R² and robust F-tests.
 */
export function computeReviewCountRegression(
  rows: BusinessWindowRow[],
  params: ReviewCountRegressionParams,
  window: Window,
): AnalysisResult {
  const priced = rows.filter((r) => r.payment_level !== null && r.last_review_count > 0);
  const notes = [`${count(rows.length - priced.length)} businesses without a price level are left out.`];
  const levels = PRICE_SYMBOLS.map((_, i) => i + 1).filter((level) => {
    const n = priced.filter((r) => r.payment_level === level).length;
    if (n > 0 && n < MIN_GROUP_SIZE)
      notes.push(
        `n = ${n} in group ${PRICE_SYMBOLS[level - 1]}: at least ${MIN_GROUP_SIZE} needed, left out.`,
      );
    return n >= MIN_GROUP_SIZE;
  });
  if (levels.length === 0)
    throw new AnalysisError(
      `no payment level has ${MIN_GROUP_SIZE} businesses in the selection: widen the filters or the window`,
    );
  const used = priced.filter((r) => levels.includes(r.payment_level!));
  const transactions = used.map((r) => r.transaction_count);
  if (transactions.every((t) => t === transactions[0]))
    throw AnalysisError.constant('the transaction count', transactions[0] ?? 0);
  const [reference, ...others] = levels as [number, ...number[]];
  const symbol = (level: number) => PRICE_SYMBOLS[level - 1]!;
  const names = [
    'intercept',
    'transactions',
    ...others.map((l) => symbol(l)),
    ...others.map((l) => `transactions × ${symbol(l)}`),
  ];
  const design = used.map((r) => {
    const dummies = others.map((l) => (r.payment_level === l ? 1 : 0));
    return [1, r.transaction_count, ...dummies, ...dummies.map((d) => d * r.transaction_count)];
  });
  const model = ols(
    used.map((r) => Math.log(r.last_review_count)),
    design,
    names,
  );
  const slopes = names.map((_, j) => j).slice(1);
  const overall = outcome(
    'robust F-test: every slope is zero',
    'F',
    waldF(model, slopes),
    params.alpha,
    model.n,
    { name: 'R²', value: model.rSquared },
  );
  const interactionIndexes = names
    .map((n, j) => (n.startsWith('transactions ×') ? j : -1))
    .filter((j) => j >= 0);
  const tests = [overall];
  if (interactionIndexes.length > 0) {
    tests.push(
      outcome(
        'robust F-test: the transaction slope is the same at every payment level',
        'F',
        waldF(model, interactionIndexes),
        params.alpha,
        model.n,
      ),
    );
  }
  const [b, low, high] = [model.coefficients[1]!, model.intervals[1]!.low, model.intervals[1]!.high];
  const change = (x: number) => pct(Math.exp(x) - 1, 0);
  const interaction = tests[1];
  const slopeText = !interaction
    ? 'only one payment level is present'
    : `${interaction.significant ? 'the slope differs by payment level' : 'the slope does not differ significantly by payment level'} (F = ${fmt(interaction.statistic)}, ${pValueText(interaction.pValue)})`;
  return {
    analysis: 'review-count-regression',
    title: 'ln(review count) on transactions and payment level',
    window,
    params: paramsRecord(params),
    n: model.n,
    unit: 'businesses',
    estimates: names.map((name, j) => ({
      group: 'coefficient (HC1 95% CI)',
      label: name,
      value: model.coefficients[j]!,
      ciLow: model.intervals[j]!.low,
      ciHigh: model.intervals[j]!.high,
      n: model.n,
      noEffect: 0,
    })),
    tests,
    spreads: [],
    findings: interaction
      ? [
          {
            claim: 'Slopes differ by payment level',
            holds: interaction.significant,
            evidence: `interaction F = ${fmt(interaction.statistic)}, ${pValueText(interaction.pValue)}`,
          },
        ]
      : [],
    sentence: `Each extra transaction type goes with ${change(b)} more reviews at payment level ${symbol(reference)} (95% CI ${change(low)} to ${change(high)}); ${slopeText}; the model explains R² = ${fmt(model.rSquared, 3)} of ln(review count) (${count(model.n)} businesses, robust F = ${fmt(overall.statistic)}, ${pValueText(overall.pValue)}).`,
    notes: [...notes, `Reference payment level: ${symbol(reference)}; standard errors are HC1.`],
  };
}

export const reviewCountRegression = defineAnalysis({
  name: 'review-count-regression',
  title: 'ln(review count) on transactions and payment level',
  description:
    'OLS of ln(review count) on transaction count, payment-level dummies and their interaction, with HC1 robust standard errors, R² and robust F-tests (all slopes; interactions).',
  params: ReviewCountRegressionParams,
  async run(warehouse, params) {
    const { window, rows } = await loadSelection<BusinessWindowRow>(
      warehouse,
      params,
      businessFilters(params),
      'businesses',
    );
    return computeReviewCountRegression(rows, params, window);
  },
});
