import { z } from 'zod';

/** One estimated figure with its confidence interval (null when the method gives none). */
export const Estimate = z.object({
  group: z.string().describe('What is estimated, e.g. "median rating"'),
  label: z.string().describe('For which subgroup, e.g. "$$" or "FL − NY"'),
  value: z.number(),
  ciLow: z.number().nullable(),
  ciHigh: z.number().nullable(),
  n: z.number().int().describe('Observations behind the figure'),
  noEffect: z
    .number()
    .optional()
    .describe('The value that means no effect (0 for a difference, 1 for a ratio, a reference share)'),
});
export type Estimate = z.infer<typeof Estimate>;

export const TestOutcome = z.object({
  name: z.string().describe('The test and what it compares'),
  statisticName: z.string().describe('H, t, F, …'),
  statistic: z.number(),
  df: z.array(z.number()).describe('Degrees of freedom'),
  pValue: z.number(),
  alpha: z.number(),
  significant: z.boolean(),
  effectSize: z.object({ name: z.string(), value: z.number() }).nullable(),
  n: z.number().int(),
});
export type TestOutcome = z.infer<typeof TestOutcome>;

export const Finding = z.object({
  claim: z.string().describe("A claim of the original system's analysis"),
  holds: z.boolean().describe('Whether it holds on the data analysed'),
  evidence: z.string(),
});

/** Five-number summary of one group's values, for the distribution chart (min, quartiles, max). */
export const Spread = z.object({
  measure: z.string().describe('What is summarized, e.g. "rating"'),
  label: z.string().describe('For which subgroup, e.g. "$$"'),
  n: z.number().int(),
  min: z.number(),
  q1: z.number(),
  median: z.number(),
  q3: z.number(),
  max: z.number(),
});
export type Spread = z.infer<typeof Spread>;

export const ParamValue = z.union([z.string(), z.number(), z.boolean(), z.array(z.string())]);

/** What every analysis returns: the CLI prints it, the API serves it, the web app draws it. */
export const AnalysisResult = z.object({
  analysis: z.string(),
  title: z.string(),
  window: z.object({ from: z.string(), to: z.string() }).nullable().describe('Holding dates analysed'),
  params: z.record(z.string(), ParamValue).describe('The parameters used, defaults filled in'),
  n: z.number().int().describe('Units analysed (businesses, business-days or counties)'),
  unit: z.string().describe('What n counts'),
  estimates: z.array(Estimate),
  tests: z.array(TestOutcome),
  spreads: z
    .array(Spread)
    .describe('Distributions of the values compared, where the analysis compares groups'),
  findings: z.array(Finding),
  sentence: z.string().describe('The result in plain words, generated from the numbers'),
  notes: z.array(z.string()),
});
export type AnalysisResult = z.infer<typeof AnalysisResult>;

export function outcome(
  name: string,
  statisticName: string,
  test: { statistic: number; df: number[]; pValue: number },
  alpha: number,
  n: number,
  effectSize: { name: string; value: number } | null = null,
): TestOutcome {
  return { name, statisticName, ...test, alpha, significant: test.pValue < alpha, effectSize, n };
}
