import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  ANALYSES,
  AnalysisError,
  AnalysisInputError,
  AnalysisResult,
  runAnalysis,
} from '../../analysis/index.ts';
import { DatabaseError } from '../../common/errors.ts';
import { InUseError } from '../../common/process-lock.ts';
import { withWarehouse } from '../../warehouse/adapter.ts';
import { HttpError } from '../errors.ts';
import { ErrorBody, IsoDate, json } from '../schema.ts';

const AnalysisSummary = z.object({
  name: z.string(),
  title: z.string(),
  description: z.string(),
  params: z.array(z.string()).describe('The query parameters it takes'),
  href: z.string(),
});

const Params = z.object({ name: z.enum(ANALYSES.map((a) => a.name) as [string, ...string[]]) });

/** Every parameter some analysis takes; each analysis refuses the ones it does not (400). */
const Query = z.object({
  from: IsoDate.optional(),
  to: IsoDate.optional(),
  state: z
    .array(z.string().regex(/^[A-Za-z]{2}$/))
    .max(60)
    .optional()
    .describe('Repeatable USPS code'),
  category: z
    .array(z.string().regex(/^[a-z_]{2,40}$/))
    .max(20)
    .optional()
    .describe('Repeatable top-level category'),
  chain: z.array(z.string().min(1).max(80)).max(2).optional().describe('chain-review-days: the two chains'),
  threshold: z.coerce.number().optional(),
  reference: z.coerce.number().optional(),
  correction: z.enum(['holm', 'bh']).optional(),
  includeChains: z.coerce.boolean().optional(),
  alpha: z.coerce.number().optional(),
  seed: z.coerce.number().int().min(0).optional(),
});

/**
 * The analyses over the warehouse marts, computed on request and cached like every public GET
 * (a pipeline load invalidates them). Under `/analytics/analyses`.
 */
export async function analysesRoutes(app: FastifyInstance) {
  // Each run opens the DuckDB file, which one holder at a time may do (src/common/process-lock.ts):
  // this server's runs take turns, so two requests at once wait instead of failing on the lock.
  let turn: Promise<unknown> = Promise.resolve();
  const inTurn = <T>(task: () => Promise<T>): Promise<T> => {
    const next = turn.then(task, task);
    turn = next.catch(() => undefined);
    return next;
  };
  app.get(
    '/',
    {
      config: { cache: { tags: () => ['analyses'] } },
      schema: {
        tags: ['analytics'],
        summary: 'The statistical analyses available',
        response: { 200: json(z.object({ items: z.array(AnalysisSummary) }), 'output') },
      },
    },
    async () => ({
      items: ANALYSES.map((a) => ({
        name: a.name,
        title: a.title,
        description: a.description,
        params: Object.keys(a.params.shape),
        href: `/analytics/analyses/${a.name}`,
      })),
    }),
  );

  app.get<{ Params: z.infer<typeof Params>; Querystring: z.infer<typeof Query> }>(
    '/:name',
    {
      config: { cache: { tags: () => ['analyses'] } },
      schema: {
        tags: ['analytics'],
        summary: 'Run one analysis over the warehouse marts',
        description:
          'Too few observations, a constant column or an empty filter give a 422 with a message saying what to change.',
        params: json(Params),
        querystring: json(Query),
        response: {
          200: json(AnalysisResult, 'output'),
          400: json(ErrorBody, 'output'),
          422: json(ErrorBody, 'output'),
          503: json(ErrorBody, 'output'),
        },
      },
    },
    async (request) => {
      try {
        return await inTurn(() =>
          withWarehouse(app.settings, (warehouse) =>
            runAnalysis(warehouse, request.params.name, request.query),
          ),
        );
      } catch (error) {
        if (error instanceof AnalysisInputError) throw new HttpError(400, error.message);
        if (error instanceof AnalysisError) throw new HttpError(422, error.message);
        if (error instanceof DatabaseError || error instanceof InUseError) {
          request.log.warn({ err: error }, 'warehouse unavailable');
          throw new HttpError(
            503,
            'The warehouse is not available right now (a pipeline run may hold it); try again',
          );
        }
        throw error;
      }
    },
  );
}
