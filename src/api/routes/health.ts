import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { z } from 'zod';
import { errorMessage } from '../../common/errors.ts';
import { redactSecrets } from '../../common/redact.ts';
import { json } from '../schema.ts';

/** The longest /readyz waits for each dependency. */
export const READY_DEADLINE_MS = 2000;

const Health = z.object({ status: z.enum(['ok', 'unavailable']) });
const Dependency = z.object({
  ok: z.boolean(),
  ms: z.number().describe('How long the check took'),
  error: z.string().optional(),
});
const Ready = z.object({
  status: z.enum(['ok', 'unavailable']),
  database: Dependency.describe('A query on the business table, under the deadline'),
  cache: Dependency.extend({
    kind: z.enum(['memory', 'redis']),
    breaker: z.enum(['closed', 'open', 'half-open']).optional().describe('Circuit breaker around Redis'),
  }),
});

async function check(probe: () => Promise<unknown>) {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${READY_DEADLINE_MS} ms`)),
      READY_DEADLINE_MS,
    );
  });
  try {
    const ok = await Promise.race([probe(), deadline]);
    return { ok: ok !== false, ms: Math.round(performance.now() - started) };
  } catch (error) {
    return {
      ok: false,
      ms: Math.round(performance.now() - started),
      error: redactSecrets(errorMessage(error)),
    };
  } finally {
    clearTimeout(timer);
  }
}

/** Liveness (the process answers) and readiness (each dependency answers a real request). Not rate limited. */
export async function healthRoutes(app: FastifyInstance) {
  app.get(
    '/healthz',
    {
      config: { rateLimit: false },
      schema: {
        tags: ['health'],
        summary: 'The process is alive',
        response: { 200: json(Health, 'output') },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      config: { rateLimit: false },
      schema: {
        tags: ['health'],
        summary: `The database answers a query and the cache a ping, each within ${READY_DEADLINE_MS} ms (503 when not)`,
        response: { 200: json(Ready, 'output'), 503: json(Ready, 'output') },
      },
    },
    async (_request, reply) => {
      const [database, cache] = await Promise.all([
        check(() => sql`select count(*) from (select 1 from business limit 1) as one`.execute(app.db)),
        check(() => app.cache.ping()),
      ]);
      const ok = database.ok && cache.ok;
      return reply.code(ok ? 200 : 503).send({
        status: ok ? 'ok' : 'unavailable',
        database,
        cache: { ...cache, kind: app.cache.kind, breaker: app.cache.breakerState },
      });
    },
  );
}
