import { randomBytes } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/api/app.ts';
import type { Cache } from '../../src/api/cache/cache.ts';
import { MemoryCache } from '../../src/api/cache/memory.ts';
import { RedisCache } from '../../src/api/cache/redis.ts';
import { silentLogger } from '../../src/common/logger.ts';
import type { Settings } from '../../src/config/settings.ts';
import type { AccountRole } from '../../src/oltp/schema.ts';
import {
  type Backend,
  createTestDatabase,
  databaseBackends,
  type TestDatabase,
} from '../support/database.ts';
import { testSettings } from '../support/settings.ts';
import { type Seed, seedStandard } from './fixtures.ts';

export type CacheBackend = 'memory' | 'redis';

/** In-process cache always; Redis too when TEST_REDIS_URL is set (and then it must answer). */
export const cacheBackends: CacheBackend[] = process.env.TEST_REDIS_URL ? ['memory', 'redis'] : ['memory'];

/**
 * Every database backend and every cache backend, each at least once: PGlite with the in-process
 * cache, PostgreSQL with Redis. Not the cross product: the API's SQL does not depend on the cache, nor
 * the cache on the database, and four copies of the API suites cost minutes of CI for no new case.
 */
export const apiBackends: [Backend, CacheBackend][] = Array.from(
  { length: Math.max(databaseBackends.length, cacheBackends.length) },
  (_, i) => [
    databaseBackends[Math.min(i, databaseBackends.length - 1)] as Backend,
    cacheBackends[Math.min(i, cacheBackends.length - 1)] as CacheBackend,
  ],
);

export const JWT_SECRET = 'test-secret-test-secret-test-secret-0123456789';

export interface ApiContext {
  app: FastifyInstance;
  database: TestDatabase;
  cache: Cache;
  settings: Settings;
  seed: Seed;
  /** Unique per context: Redis keys of parallel suites never collide. */
  keyPrefix: string;
  close(): Promise<void>;
}

export async function openTestCache(kind: CacheBackend, keyPrefix: string, url = process.env.TEST_REDIS_URL) {
  if (kind === 'memory') return new MemoryCache();
  if (!url) throw new Error('TEST_REDIS_URL is not set');
  const cache = await RedisCache.open(url, silentLogger, keyPrefix);
  if (!(await cache.ping())) throw new Error(`Redis at ${url} does not answer`);
  return cache;
}

/** A migrated, seeded database and an app over it; `env` adds settings (rate limits, dev mode…). */
export async function createApiContext(
  backend: Backend,
  cacheKind: CacheBackend,
  env: Record<string, string> = {},
): Promise<ApiContext> {
  const database = await createTestDatabase(backend);
  const seed = await seedStandard(database.db);
  return { ...(await openApi(database, cacheKind, env)), seed };
}

/** An app over a database the caller migrated and filled; closing it closes the database too. */
export async function openApi(
  database: TestDatabase,
  cacheKind: CacheBackend,
  env: Record<string, string> = {},
): Promise<Omit<ApiContext, 'seed'>> {
  const keyPrefix = `gourmand-test:${randomBytes(6).toString('hex')}:`;
  const redisUrl = cacheKind === 'redis' ? process.env.TEST_REDIS_URL : undefined;
  const settings = testSettings({
    JWT_SECRET,
    GOURMAND_DEV: 'true',
    API_RATE_LIMIT: '100000',
    API_LOGIN_RATE_LIMIT: '100000',
    ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
    ...env,
  });
  const cache = await openTestCache(cacheKind, keyPrefix);
  const app = await buildApp({ settings, database, cache, log: silentLogger, redisKeyPrefix: keyPrefix });
  await app.ready();
  return {
    app,
    database,
    cache,
    settings,
    keyPrefix,
    async close() {
      await app.close();
      await cache.close();
      await database.close();
    },
  };
}

export interface Session {
  accountId: number;
  email: string;
  accessToken: string;
  refreshToken: string;
  auth: { authorization: string };
}

/** Registers through the API, sets role/verification in the database, signs in. */
export async function signUp(
  ctx: Pick<ApiContext, 'app' | 'database'>,
  options: { role?: AccountRole; verified?: boolean; email?: string } = {},
): Promise<Session> {
  const email = options.email ?? `user-${randomBytes(4).toString('hex')}@example.com`;
  const password = 'correct horse battery';
  const registered = await ctx.app.inject({
    method: 'POST',
    url: '/auth/register',
    payload: { email, password },
  });
  if (registered.statusCode !== 201) throw new Error(`register: ${registered.statusCode} ${registered.body}`);
  const accountId = registered.json().account.id as number;
  await ctx.database.db
    .updateTable('api.account')
    .set({ role: options.role ?? 'user', email_verified: options.verified ?? true })
    .where('account_id', '=', accountId)
    .execute();
  const login = await ctx.app.inject({
    method: 'POST',
    url: '/auth/login',
    payload: { grant_type: 'password', username: email, password },
  });
  if (login.statusCode !== 200) throw new Error(`login: ${login.statusCode} ${login.body}`);
  const { access_token, refresh_token } = login.json();
  return {
    accountId,
    email,
    accessToken: access_token,
    refreshToken: refresh_token,
    auth: { authorization: `Bearer ${access_token}` },
  };
}

/** Asserts the shared error body and returns the response for further checks. */
export function expectError(response: LightMyRequestResponse, statusCode: number) {
  const body = response.json();
  if (
    response.statusCode !== statusCode ||
    body.statusCode !== statusCode ||
    typeof body.message !== 'string'
  ) {
    throw new Error(`expected error ${statusCode}, got ${response.statusCode} ${response.body}`);
  }
  return body as { error: string; message: string; statusCode: number };
}
