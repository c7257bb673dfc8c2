import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../../../src/api/app.ts';
import { createRedisClient, RedisCache } from '../../../src/api/cache/redis.ts';
import { silentLogger } from '../../../src/common/logger.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { PrivateRedis } from '../../support/redis-server.ts';
import { testSettings } from '../../support/settings.ts';
import { seedStandard } from '../fixtures.ts';
import { JWT_SECRET, type Session, signUp } from '../support.ts';

/**
 * The cache against a Redis of the test's own that it kills, restarts with its saved data, and
 * freezes with SIGSTOP. The database is PGlite: what is under test is the cache, not the engine.
 */
describe('the Redis cache under faults', () => {
  const prefix = 'gourmand-faults:';
  let redis: PrivateRedis;
  let database: TestDatabase;
  let cache: RedisCache;
  let sendCommand: ReturnType<typeof vi.spyOn>;
  let clock = 0;
  let app: Awaited<ReturnType<typeof buildApp>>;
  let admin: Session;
  let pizza: number;

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    database = await createTestDatabase('pglite');
    pizza = (await seedStandard(database.db)).businesses.pizza;
    const client = createRedisClient(redis.url);
    // Counts every command the cache sends to Redis (a spy on the client, not on our code).
    sendCommand = vi.spyOn(client, 'sendCommand');
    cache = new RedisCache(client, silentLogger, prefix, {
      breaker: { failures: 3, cooldownMs: 10_000, now: () => clock },
    });
    await client.connect();
    const settings = testSettings({ JWT_SECRET, API_RATE_LIMIT: '0', API_LOGIN_RATE_LIMIT: '0' });
    app = await buildApp({ settings, database, cache, log: silentLogger });
    admin = await signUp({ app, database } as never, { role: 'admin' });
  });
  afterAll(async () => {
    await app?.close();
    await cache?.close();
    await database?.close();
    await redis?.kill();
  });

  const get = (url: string) => app.inject({ method: 'GET', url });
  const rename = (name: string) =>
    app.inject({ method: 'PATCH', url: `/businesses/${pizza}`, headers: admin.auth, payload: { name } });
  // Until the client has reconnected; the breaker's clock moves past each cooldown meanwhile.
  const reconnected = async () => {
    for (let i = 0; i < 2000; i++) {
      clock += 10_000;
      if (await cache.ping()) return;
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  it('serves fresh data after a write during an outage, when Redis comes back with its old data', async () => {
    const url = `/businesses/${pizza}`;
    expect((await get(url)).headers['x-cache']).toBe('miss');
    const cached = await get(url);
    expect(cached.headers['x-cache']).toBe('hit');
    expect(cached.json().name).toBe('Raleigh Pizza 100%');
    const admin_ = redis.client();
    // The hit above may come from the near cache: the entry's store reaches Redis after the first
    // response, so wait until Redis holds it before saving (without this the test flaked once).
    await expect.poll(async () => (await admin_.keys(`${prefix}cache:*:/businesses/:id|*`)).length).toBe(1);
    await admin_.save();
    admin_.disconnect();

    await redis.kill();
    const renamed = await rename('Raleigh Pizza Renamed');
    expect(renamed.statusCode).toBe(200);
    expect(cache.isSuspect).toBe(true);

    await redis.restart();
    // Redis is back with the entry cached before the write, still under the current version.
    const look = redis.client();
    const keys = await look.keys(`${prefix}cache:*`);
    const version = (await look.get(`${prefix}cache:version`)) ?? '0';
    expect(keys.filter((k) => k.startsWith(`${prefix}cache:${version}:/businesses/:id|`))).toHaveLength(1);
    await reconnected();

    const after = await get(url);
    expect(after.headers['x-cache']).toBe('miss');
    expect(after.json().name).toBe('Raleigh Pizza Renamed');
    expect(cache.isSuspect).toBe(false);
    expect(Number(await look.get(`${prefix}cache:version`))).toBe(Number(version) + 1);
    look.disconnect();
    expect((await get(url)).headers['x-cache']).toBe('hit');
  });

  it('opens the breaker on a frozen Redis, then sends nothing to it until one probe', async () => {
    expect(cache.breakerState).toBe('closed');
    expect((await get('/states')).statusCode).toBe(200);
    redis.freeze();
    try {
      // Each cached GET tries Redis (a lookup, a store) until three calls in a row have timed out.
      for (let i = 0; i < 3 && cache.breakerState === 'closed'; i++) {
        expect((await get('/categories')).statusCode).toBe(200);
      }
      expect(cache.breakerState).toBe('open');

      const sentBefore = sendCommand.mock.calls.length;
      for (let i = 0; i < 20; i++) {
        const response = await get(i % 2 ? '/categories' : `/businesses/${pizza}`);
        expect(response.statusCode).toBe(200);
        expect(response.headers['x-cache']).toBe('miss');
      }
      expect(sendCommand.mock.calls.length).toBe(sentBefore);

      // After the cooldown exactly one probe goes out; it times out and the circuit opens again.
      clock += 10_000;
      expect(cache.breakerState).toBe('half-open');
      expect((await get('/categories')).statusCode).toBe(200);
      expect(sendCommand.mock.calls.length).toBe(sentBefore + 1);
      expect(cache.breakerState).toBe('open');
    } finally {
      redis.resume();
    }
    await reconnected();
    expect(cache.breakerState).toBe('closed');
    await get('/categories');
    expect((await get('/categories')).headers['x-cache']).toBe('hit');
  });
});
