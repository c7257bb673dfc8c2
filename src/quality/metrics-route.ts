import type { FastifyInstance } from 'fastify';
import { pipelineMetrics } from './metrics.ts';

/** GET /metrics: the pipeline's Prometheus metrics in text format (for a scraper, not in the OpenAPI document). */
export async function metricsRoutes(app: FastifyInstance) {
  const registry = pipelineMetrics(app.database);
  app.get('/metrics', { config: { rateLimit: false }, schema: { hide: true } }, async (_request, reply) => {
    const text = await registry.metrics();
    return reply.type(registry.contentType).send(text);
  });
}
