import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { pipelineMetrics } from './metrics.ts';

/** How long a scrape's text is served again before the database is read anew. */
export const METRICS_CACHE_MS = 5000;

const sameToken = (given: string, expected: string) => {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
};

/**
 * GET /metrics: the pipeline's Prometheus metrics in text format (for a scraper, not in the OpenAPI
 * document). With METRICS_TOKEN it needs `Authorization: Bearer <token>`. It is rate limited like
 * every route, and the text is kept METRICS_CACHE_MS in the process, so a flood of scrapes costs
 * the database one read per window.
 */
export async function metricsRoutes(app: FastifyInstance) {
  const registry = pipelineMetrics(app.database);
  const token = app.settings.metricsToken;
  let cached: { text: string; at: number } | undefined;
  let reading: Promise<string> | undefined;

  const authorize = async (request: FastifyRequest, reply: FastifyReply) => {
    if (!token) return;
    const header = request.headers.authorization ?? '';
    if (!header.startsWith('Bearer ') || !sameToken(header.slice(7).trim(), token)) {
      reply.header('www-authenticate', 'Bearer');
      return reply.code(401).send({
        error: 'Unauthorized',
        message: 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>',
        statusCode: 401,
      });
    }
  };

  app.get('/metrics', { schema: { hide: true }, preHandler: authorize }, async (_request, reply) => {
    if (!cached || Date.now() - cached.at >= METRICS_CACHE_MS) {
      reading ??= registry.metrics().finally(() => {
        reading = undefined;
      });
      cached = { text: await reading, at: Date.now() };
    }
    return reply.type(registry.contentType).send(cached.text);
  });
}
