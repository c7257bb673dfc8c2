import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { cacheKey } from './cache.ts';

/** A cached GET route's `config.cache`: the tags its response depends on. */
export interface CacheRule {
  tags(request: FastifyRequest): string[];
}

// Clients revalidate every time (cheap: a 304 without a body); the server-side cache is what is
// invalidated on writes, so nobody sees a stale answer after a write.
const CACHE_CONTROL = 'public, max-age=0, must-revalidate';

const etagOf = (body: string) => `"${createHash('sha1').update(body).digest('base64url')}"`;

function notModified(request: FastifyRequest, etag: string) {
  const header = request.headers['if-none-match'];
  return header?.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag) ?? false;
}

/**
 * Response cache for routes with `config.cache`: looked up after validation (so the key holds the
 * normalized query, defaults applied), stored when the handler answered 200. `X-Cache` says
 * hit/miss; every cached route sends an ETag and answers a matching If-None-Match with 304.
 */
export const cachePlugin = fp(async (app: FastifyInstance) => {
  app.decorateRequest('cacheKey', null);
  const ttl = app.settings.apiCacheTtlSeconds;

  app.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    const rule = request.routeOptions.config.cache;
    if (!rule || request.method !== 'GET') return;
    const key = cacheKey(request.routeOptions.url ?? '', request.params as object, request.query as object);
    request.cacheKey = key;
    if (ttl === 0) return;
    const hit = await app.cache.get(key);
    if (!hit) return;
    reply.header('x-cache', 'hit').header('etag', hit.etag).header('cache-control', CACHE_CONTROL);
    if (notModified(request, hit.etag)) return reply.code(304).send();
    return reply.type('application/json; charset=utf-8').send(hit.body);
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const rule = request.routeOptions.config.cache;
    if (!rule || request.cacheKey === null || reply.statusCode !== 200 || reply.hasHeader('x-cache')) {
      return payload;
    }
    if (typeof payload !== 'string') return payload;
    const etag = etagOf(payload);
    reply
      .header('x-cache', ttl === 0 ? 'bypass' : 'miss')
      .header('etag', etag)
      .header('cache-control', CACHE_CONTROL);
    if (ttl > 0) await app.cache.set(request.cacheKey, { body: payload, etag }, rule.tags(request), ttl);
    if (notModified(request, etag)) {
      reply.code(304);
      return '';
    }
    return payload;
  });
});
