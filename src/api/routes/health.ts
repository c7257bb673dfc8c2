import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { z } from 'zod';
import { json } from '../schema.ts';

const Health = z.object({ status: z.enum(['ok', 'unavailable']) });
const Ready = z.object({
  status: z.enum(['ok', 'unavailable']),
  database: z.boolean(),
  cache: z.boolean(),
  cacheKind: z.enum(['memory', 'redis']),
});

/** Liveness (the process answers) and readiness (the database and cache answer). Not rate limited. */
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
        summary: 'The database and the cache are reachable (503 when not)',
        response: { 200: json(Ready, 'output'), 503: json(Ready, 'output') },
      },
    },
    async (_request, reply) => {
      const [database, cache] = await Promise.all([
        sql`select 1`
          .execute(app.db)
          .then(() => true)
          .catch(() => false),
        app.cache.ping(),
      ]);
      const ok = database && cache;
      return reply
        .code(ok ? 200 : 503)
        .send({ status: ok ? 'ok' : 'unavailable', database, cache, cacheKind: app.cache.kind });
    },
  );
}
