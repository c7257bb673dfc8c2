/**
 * The analyses: each a named unit with zod parameters that reads only the warehouse marts and
 * returns an AnalysisResult. The CLI (`gourmand analyze`) and the API (`/analytics/analyses`) list
 * them from here.
 */
import type { WarehouseAdapter } from '../warehouse/adapter.ts';
import { chainReviewDays } from './analyses/chain-review-days.ts';
import { countyPopulationGrowth } from './analyses/county-population-growth.ts';
import { paymentLevel } from './analyses/payment-level.ts';
import { reviewCountRegression } from './analyses/review-count-regression.ts';
import { reviewRiseShare } from './analyses/review-rise-share.ts';
import { stateDailyChange } from './analyses/state-daily-change.ts';
import type { Analysis } from './analysis.ts';
import { AnalysisInputError } from './guards.ts';
import { AnalysisResult } from './result.ts';

export const ANALYSES: readonly Analysis[] = [
  paymentLevel,
  stateDailyChange,
  chainReviewDays,
  reviewRiseShare,
  reviewCountRegression,
  countyPopulationGrowth,
] as unknown as Analysis[];

export function findAnalysis(name: string): Analysis {
  const analysis = ANALYSES.find((a) => a.name === name);
  if (!analysis) {
    throw new AnalysisInputError(
      `unknown analysis "${name}": expected one of ${ANALYSES.map((a) => a.name).join(', ')}`,
    );
  }
  return analysis;
}

/** Validates raw parameters (one clear line when bad) and runs the analysis. */
export async function runAnalysis(
  warehouse: WarehouseAdapter,
  name: string,
  raw: Record<string, unknown>,
): Promise<AnalysisResult> {
  const analysis = findAnalysis(name);
  const accepted = Object.keys(analysis.params.shape);
  const stray = Object.keys(raw).find((key) => raw[key] !== undefined && !accepted.includes(key));
  if (stray) {
    throw new AnalysisInputError(`${name} takes no parameter "${stray}" (it takes ${accepted.join(', ')})`);
  }
  const parsed = analysis.params.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new AnalysisInputError(
      `${name}: invalid ${issue.path.join('.') || 'parameters'}: ${issue.message}`,
    );
  }
  return AnalysisResult.parse(await analysis.run(warehouse, parsed.data));
}

export { AnalysisError, AnalysisInputError } from './guards.ts';
export { AnalysisResult } from './result.ts';
export type { Analysis };
