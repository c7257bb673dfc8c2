import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { type CachedResponse, cacheKey } from './cache.ts';

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
 * Response cache for routes with `config.cache`, as route-level hooks (other routes pay nothing):
 * - onRequest: the exact URL seen before is answered at once, before parsing and validation;
 * - preHandler: otherwise the key of the validated query (defaults applied, keys sorted) is tried,
 *   so `?limit=20&sort=name` and `?sort=name` share an entry;
 * - onSend: a 200 is stored under both keys with the route's tags.
 * `X-Cache` says hit/miss; every cached route sends an ETag and answers If-None-Match with 304.
 */
export const cachePlugin = fp(async (app: FastifyInstance) => {
  app.decorateRequest('cacheKey', null);
  const ttl = app.settings.apiCacheTtlSeconds;
  const urlKey = (request: FastifyRequest) => `url|${request.url}`;

  const answer = (request: FastifyRequest, reply: FastifyReply, hit: CachedResponse) => {
    reply.header('x-cache', 'hit').header('etag', hit.etag).header('cache-control', CACHE_CONTROL);
    if (notModified(request, hit.etag)) return reply.code(304).send();
    return reply.type('application/json; charset=utf-8').send(hit.body);
  };

  const byUrl = async (request: FastifyRequest, reply: FastifyReply) => {
    const hit = await app.cache.get(urlKey(request));
    if (hit) return answer(request, reply, hit);
  };

  const byQuery = async (request: FastifyRequest, reply: FastifyReply) => {
    const key = cacheKey(request.routeOptions.url ?? '', request.params as object, request.query as object);
    request.cacheKey = key;
    if (ttl === 0) return;
    const hit = await app.cache.get(key);
    if (!hit) return;
    await app.cache.set(urlKey(request), hit, ruleOf(request).tags(request), ttl);
    return answer(request, reply, hit);
  };

  const store = async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    if (request.cacheKey === null || reply.statusCode !== 200 || reply.hasHeader('x-cache')) return payload;
    if (typeof payload !== 'string') return payload;
    const etag = etagOf(payload);
    reply
      .header('x-cache', ttl === 0 ? 'bypass' : 'miss')
      .header('etag', etag)
      .header('cache-control', CACHE_CONTROL);
    if (ttl > 0) {
      const tags = ruleOf(request).tags(request);
      await app.cache.set(request.cacheKey, { body: payload, etag }, tags, ttl);
      await app.cache.set(urlKey(request), { body: payload, etag }, tags, ttl);
    }
    if (notModified(request, etag)) {
      reply.code(304);
      return '';
    }
    return payload;
  };

  app.addHook('onRoute', (route) => {
    if (!route.config?.cache || route.method !== 'GET') return;
    route.onRequest = [...hooks(route.onRequest), ...(ttl > 0 ? [byUrl] : [])];
    route.preHandler = [...hooks(route.preHandler), byQuery];
    route.onSend = [...hooks(route.onSend), store];
  });
});

function ruleOf(request: FastifyRequest): CacheRule {
  return request.routeOptions.config.cache!;
}

function hooks<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}
