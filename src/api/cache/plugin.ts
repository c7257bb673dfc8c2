import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { LRUCache } from 'lru-cache';
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
 * Response cache for routes with `config.cache`, as route-level hooks (other routes pay nothing).
 * An entry is stored under one key only: the route and its validated query (defaults applied,
 * unknown parameters dropped, keys sorted), so `?limit=20&sort=name` and `?sort=name&utm=x` share it.
 * - onRequest: the key this URL validated to before, else the raw parameters as that key, is tried
 *   before parsing and validation. A raw query spelling a stored key exactly is one that validates
 *   to it (validation only coerces and fills defaults), so this only answers what the validated
 *   lookup would;
 * - preHandler: otherwise the key of the validated query is tried;
 * - onSend: a 200 is stored under it with the route's tags.
 * `X-Cache` says hit/miss; every cached route sends an ETag and answers If-None-Match with 304.
 */
export const cachePlugin = fp(async (app: FastifyInstance) => {
  app.decorateRequest('cacheKey', null);
  const ttl = app.settings.apiCacheTtlSeconds;
  // Only the parameters the route declares take part (a route without a query schema has none).
  const declared = new Map<string, readonly string[]>();
  const keyOf = (request: FastifyRequest) => {
    const route = request.routeOptions.url ?? '';
    const query = request.query as Record<string, unknown>;
    const known = Object.fromEntries((declared.get(route) ?? []).map((name) => [name, query[name]]));
    return cacheKey(route, request.params as object, known);
  };

  const answer = (request: FastifyRequest, reply: FastifyReply, hit: CachedResponse) => {
    reply.header('x-cache', 'hit').header('etag', hit.etag).header('cache-control', CACHE_CONTROL);
    if (notModified(request, hit.etag)) return reply.code(304).send();
    return reply.type('application/json; charset=utf-8').send(hit.body);
  };

  // The key each URL validated to (validation depends on the URL alone), so a repeated URL whose
  // raw query is not its key (defaults filled in, values coerced) is found by the first lookup
  // too, instead of after a wasted one (a Redis round trip) and validation.
  const validatedKeys = new LRUCache<string, string>({ max: 10_000 });

  const byRawQuery = async (request: FastifyRequest, reply: FastifyReply) => {
    const hit = await app.cache.get(validatedKeys.get(request.url) ?? keyOf(request));
    if (hit) return answer(request, reply, hit);
  };

  const byQuery = async (request: FastifyRequest, reply: FastifyReply) => {
    const key = keyOf(request);
    request.cacheKey = key;
    if (ttl > 0) validatedKeys.set(request.url, key);
    if (ttl === 0) return;
    const hit = await app.cache.get(key);
    if (hit) return answer(request, reply, hit);
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
    }
    if (notModified(request, etag)) {
      reply.code(304);
      return '';
    }
    return payload;
  };

  app.addHook('onRoute', (route) => {
    if (!route.config?.cache || route.method !== 'GET') return;
    const querystring = route.schema?.querystring as { properties?: object } | undefined;
    declared.set(route.url, Object.keys(querystring?.properties ?? {}));
    route.onRequest = [...hooks(route.onRequest), ...(ttl > 0 ? [byRawQuery] : [])];
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
