import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.ts';
import { MemoryCache } from '../../src/api/cache/memory.ts';
import { silentLogger } from '../../src/common/logger.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { PrivateRedis } from '../support/redis-server.ts';
import { testSettings } from '../support/settings.ts';
import { JWT_SECRET } from './support.ts';

/**
 * Sign-in limits per IP and per account, /metrics protection, and the limiter on a Redis of the
 * test's own that it kills: counting goes on in the process, the limit holds.
 */
describe('sign-in limits, metrics and CORS', () => {
  let redis: PrivateRedis;
  let database: TestDatabase;
  let app: Awaited<ReturnType<typeof buildApp>>;
  const token = 'metrics-token-0123456789';
  beforeAll(async () => {
    redis = await PrivateRedis.start();
    database = await createTestDatabase('pglite');
    const settings = testSettings({
      JWT_SECRET,
      GOURMAND_DEV: 'true',
      REDIS_URL: redis.url,
      API_LOGIN_RATE_LIMIT: '3',
      API_RATE_LIMIT: '1000',
      METRICS_TOKEN: token,
      API_CORS_ORIGINS: 'https://app.example.com',
    });
    app = await buildApp({
      settings,
      database,
      cache: new MemoryCache(),
      log: silentLogger,
      redisKeyPrefix: 'limits:',
    });
    // Proxies are not trusted, so the address is the socket's; inject lets the test choose it.
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
    await redis?.kill();
  });

  const login = (username: string, remoteAddress: string) =>
    app.inject({
      method: 'POST',
      url: '/auth/login',
      remoteAddress,
      payload: { username, password: 'wrong password' },
    });

  it('limits guesses at one account from many addresses', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++)
      statuses.push((await login('victim@example.com', `10.0.0.${i + 1}`)).statusCode);
    expect(statuses).toEqual([401, 401, 401, 429, 429, 429, 429, 429, 429, 429]);
    // Another account from a fresh address is not affected.
    expect((await login('other@example.com', '10.0.1.1')).statusCode).toBe(401);
  });

  it('limits one address across accounts', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await login(`user${i}@example.com`, '10.0.2.1')).statusCode);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
  });

  it('keeps limiting login in the process while Redis is down', async () => {
    await redis.kill();
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push((await login('down@example.com', `10.0.3.${i + 1}`)).statusCode);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    const perIp: number[] = [];
    for (let i = 0; i < 5; i++) perIp.push((await login(`down${i}@example.com`, '10.0.4.1')).statusCode);
    expect(perIp).toEqual([401, 401, 401, 429, 429]);
    await redis.restart();
  });

  it('asks /metrics for its bearer token', async () => {
    const anonymous = await app.inject({ method: 'GET', url: '/metrics' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().message).toMatch(/METRICS_TOKEN/);
    const wrong = await app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: 'Bearer nope' },
    });
    expect(wrong.statusCode).toBe(401);
    const ok = await app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toMatch(/^# HELP /m);
    expect(ok.headers['x-ratelimit-limit']).toBe('1000');
  });

  it('allows every method of the API in a CORS preflight', async () => {
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) {
      const response = await app.inject({
        method: 'OPTIONS',
        url: '/notes/1',
        headers: {
          origin: 'https://app.example.com',
          'access-control-request-method': method,
          'access-control-request-headers': 'authorization, content-type',
        },
      });
      expect(response.statusCode).toBe(204);
      expect(response.headers['access-control-allow-origin']).toBe('https://app.example.com');
      expect(String(response.headers['access-control-allow-methods']).split(/,\s*/)).toContain(method);
    }
  });
});
