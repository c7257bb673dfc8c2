import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.ts';
import { invalidateAfterLoad, MemoryCache } from '../../src/api/cache/index.ts';
import { RedisCache } from '../../src/api/cache/redis.ts';
import { silentLogger } from '../../src/common/logger.ts';
import { createTestDatabase, databaseBackends, type TestDatabase } from '../support/database.ts';
import { testSettings } from '../support/settings.ts';
import { seedStandard } from './fixtures.ts';
import {
  type ApiContext,
  apiBackends,
  createApiContext,
  JWT_SECRET,
  type Session,
  signUp,
} from './support.ts';

describe.each(apiBackends)('response cache on %s with %s cache', (backend, cacheKind) => {
  let ctx: ApiContext;
  let admin: Session;
  beforeAll(async () => {
    ctx = await createApiContext(backend, cacheKind);
    admin = await signUp(ctx, { role: 'admin' });
  });
  afterAll(async () => {
    await ctx?.close();
  });

  const get = (url: string, headers: Record<string, string> = {}) =>
    ctx.app.inject({ method: 'GET', url, headers });
  const cacheStates = async (urls: string[]) =>
    Object.fromEntries(
      await Promise.all(urls.map(async (url) => [url, (await get(url)).headers['x-cache']])),
    );

  it('serves the second GET from the cache, byte for byte, for the same normalized query', async () => {
    const url = `/businesses/${ctx.seed.businesses.pizza}`;
    const first = await get(url);
    const second = await get(url);
    expect(first.headers['x-cache']).toBe('miss');
    expect(second.headers['x-cache']).toBe('hit');
    expect(second.body).toBe(first.body);
    expect(second.headers['content-type']).toMatch(/application\/json/);
    expect(second.json().latestHolding.rating).toBe(4.5);
    // Defaults applied and parameters reordered: the same entry.
    expect((await get('/businesses?q=Pizza&limit=5')).headers['x-cache']).toBe('miss');
    expect((await get('/businesses?limit=5&sort=name&q=Pizza&order=asc')).headers['x-cache']).toBe('hit');
    expect((await get('/businesses?limit=6&q=Pizza')).headers['x-cache']).toBe('miss');
  });

  // Entries only: not the version key or the tag sets.
  const entryCount = async () => {
    if (ctx.cache instanceof MemoryCache) return ctx.cache.size;
    const redis = new Redis(process.env.TEST_REDIS_URL!);
    try {
      const keys = await redis.keys(`${ctx.keyPrefix}cache:*`);
      return keys.filter((key) => !key.includes(':tag:') && !key.endsWith('cache:version')).length;
    } finally {
      redis.disconnect();
    }
  };

  it('adds at most one entry per distinct valid query, whatever junk parameters come with it', async () => {
    await invalidateAfterLoad(ctx.settings, silentLogger, ctx.keyPrefix);
    const before = await entryCount();
    const valid = ['/businesses?state=NC', '/businesses?limit=3&sort=rating', '/categories'];
    const statuses = new Set<number>();
    for (let i = 0; i < 300; i++) {
      const junk = `utm_${randomBytes(3).toString('hex')}=${randomBytes(8).toString('hex')}`;
      const url = valid[i % valid.length]!;
      const response = await get(`${url}${url.includes('?') ? '&' : '?'}${junk}&fbclid=${i}`);
      statuses.add(response.statusCode);
      if (i >= valid.length) expect(response.headers['x-cache'], url).toBe('hit');
    }
    expect([...statuses]).toEqual([200]);
    expect((await entryCount()) - before).toBeLessThanOrEqual(valid.length);
    // The same queries without junk, in another order, are the same entries.
    expect((await get('/businesses?sort=rating&limit=3')).headers['x-cache']).toBe('hit');
    expect((await entryCount()) - before).toBeLessThanOrEqual(valid.length);
  });

  it('sends Cache-Control and an ETag, and answers If-None-Match with 304', async () => {
    const url = '/categories';
    const first = await get(url);
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^".+"$/);
    expect(first.headers['cache-control']).toContain('must-revalidate');
    const revalidated = await get(url, { 'if-none-match': etag });
    expect(revalidated.statusCode).toBe(304);
    expect(revalidated.body).toBe('');
    expect((await get(url, { 'if-none-match': '"other"' })).statusCode).toBe(200);
    // A miss also answers 304 when the client already holds the same bytes.
    await ctx.cache.invalidate(['categories']);
    const missRevalidated = await get(url, { 'if-none-match': `W/${etag}` });
    expect(missRevalidated.statusCode).toBe(304);
    expect(missRevalidated.headers['x-cache']).toBe('miss');
  });

  it('a write drops exactly the entries it affects', async () => {
    const { noodles, coffee } = ctx.seed.businesses;
    const urls = [
      `/businesses/${noodles}`,
      `/businesses/${coffee}`,
      `/businesses/${noodles}/notes`,
      `/businesses/${coffee}/notes`,
      `/businesses/${coffee}/holdings`,
      '/businesses?state=NC',
      '/states',
    ];
    await cacheStates(urls);
    expect(Object.values(await cacheStates(urls)).every((state) => state === 'hit')).toBe(true);

    // A note on one business: only that business's note list.
    const note = await ctx.app.inject({
      method: 'POST',
      url: `/businesses/${noodles}/notes`,
      headers: admin.auth,
      payload: { body: 'Cached?' },
    });
    expect(note.statusCode).toBe(201);
    expect(await cacheStates(urls)).toEqual({
      [`/businesses/${noodles}`]: 'hit',
      [`/businesses/${coffee}`]: 'hit',
      [`/businesses/${noodles}/notes`]: 'miss',
      [`/businesses/${coffee}/notes`]: 'hit',
      [`/businesses/${coffee}/holdings`]: 'hit',
      '/businesses?state=NC': 'hit',
      '/states': 'hit',
    });
    expect((await get(`/businesses/${noodles}/notes`)).json().items[0].body).toBe('Cached?');

    // An admin correction of one business: that business and the lists it may appear in.
    const corrected = await ctx.app.inject({
      method: 'PATCH',
      url: `/businesses/${coffee}`,
      headers: admin.auth,
      payload: { name: 'Bean Here' },
    });
    expect(corrected.statusCode).toBe(200);
    expect(await cacheStates(urls)).toEqual({
      [`/businesses/${noodles}`]: 'hit',
      [`/businesses/${coffee}`]: 'miss',
      [`/businesses/${noodles}/notes`]: 'hit',
      [`/businesses/${coffee}/notes`]: 'hit',
      [`/businesses/${coffee}/holdings`]: 'hit',
      '/businesses?state=NC': 'miss',
      '/states': 'hit',
    });
    expect((await get(`/businesses/${coffee}`)).json().name).toBe('Bean Here');
  });

  it('a finished pipeline load drops every entry', async () => {
    const urls = ['/states', '/categories', `/businesses/${ctx.seed.businesses.pizza}`, '/businesses'];
    await cacheStates(urls);
    expect(Object.values(await cacheStates(urls))).toEqual(['hit', 'hit', 'hit', 'hit']);
    await invalidateAfterLoad(ctx.settings, silentLogger, ctx.keyPrefix);
    expect(Object.values(await cacheStates(urls))).toEqual(['miss', 'miss', 'miss', 'miss']);
    expect(Object.values(await cacheStates(urls))).toEqual(['hit', 'hit', 'hit', 'hit']);
  });
});

describe.each(databaseBackends)('with Redis unreachable, on %s', (backend) => {
  const closedPort = 'redis://127.0.0.1:1/0';
  let database: TestDatabase;
  let cache: RedisCache;
  let app: Awaited<ReturnType<typeof buildApp>>;
  let businessId: number;
  beforeAll(async () => {
    database = await createTestDatabase(backend);
    businessId = (await seedStandard(database.db)).businesses.pizza;
    const settings = testSettings({ JWT_SECRET, REDIS_URL: closedPort, GOURMAND_DEV: 'true' });
    cache = await RedisCache.open(closedPort, silentLogger, 'gourmand-test-down:');
    app = await buildApp({ settings, database, cache, log: silentLogger });
  });
  afterAll(async () => {
    await app?.close();
    await cache?.close();
    await database?.close();
  });

  it('every GET still answers 200 from the database, and readiness reports the cache', async () => {
    const urls = [
      '/businesses',
      '/businesses?state=NC&sort=rating&order=desc',
      `/businesses/${businessId}`,
      `/businesses/${businessId}/holdings`,
      `/businesses/${businessId}/notes`,
      '/states',
      '/categories',
      '/healthz',
      '/openapi.json',
    ];
    for (const url of [...urls, ...urls]) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(200);
      expect(response.headers['x-cache'] ?? 'miss').toBe('miss');
    }
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({
      status: 'unavailable',
      database: { ok: true },
      cache: { ok: false, kind: 'redis' },
    });
  });

  it('writes still work (their invalidation only logs)', async () => {
    const registered = await app.inject({
      method: 'POST',
      url: '/auth/register',
      payload: { email: 'down@example.com', password: 'redis is down' },
    });
    expect(registered.statusCode).toBe(201);
    await invalidateAfterLoad({ redisUrl: closedPort }, silentLogger);
  });
});
