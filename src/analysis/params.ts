import { z } from 'zod';

/** Inputs every analysis understands; each analysis extends these with its own. */
export const StateCode = z
  .string()
  .regex(/^[A-Za-z]{2}$/, 'a two-letter USPS code')
  .transform((s) => s.toUpperCase());
export const CategoryGroup = z
  .string()
  .regex(/^[a-z_]{2,40}$/, 'a top-level category alias, e.g. restaurants');
export const ChainName = z.string().min(1).max(80);
const IsoDate = z.iso.date();

export const CommonParams = z.object({
  from: IsoDate.optional().describe('First holding date of the window (default: 30 days before `to`)'),
  to: IsoDate.optional().describe('Last holding date of the window (default: the latest in the warehouse)'),
  state: z.array(StateCode).default([]).describe('Only these states'),
  category: z.array(CategoryGroup).default([]).describe('Only these top-level categories'),
  alpha: z.number().gt(0).lt(1).default(0.05).describe('Significance level'),
  seed: z.number().int().min(0).default(1).describe('Seed of the bootstrap resamples'),
});
export type CommonParams = z.infer<typeof CommonParams>;

/** The default window length when only `to` is known. */
export const DEFAULT_WINDOW_DAYS = 30;
