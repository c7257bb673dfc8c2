import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { Schema } from '../oltp/schema.ts';
import { loadDashboard } from './queries.ts';
import { renderDashboard } from './render.ts';

/** The web dashboard: one server-rendered page over the source database and its run history. */
export function webRoutes(db: Kysely<Schema>) {
  return async (app: FastifyInstance) => {
    app.get('/dashboard', { schema: { hide: true } }, async (_request, reply) => {
      const html = renderDashboard(await loadDashboard(db));
      return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(html);
    });
  };
}
