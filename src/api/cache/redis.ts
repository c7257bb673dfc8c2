import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../../common/logger.ts';
import type { Cache, CachedResponse } from './cache.ts';

/**
 * Options for a Redis client that never makes a request wait for Redis: no offline queue, no
 * retries per command, short timeouts. A command while Redis is down fails at once and the caller
 * falls through to the database; the client keeps reconnecting in the background.
 */
export function failFastRedisOptions(): RedisOptions {
  return {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 500,
    commandTimeout: 500,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  };
}

// Entries live at <prefix><version>:<key>; tag sets at <prefix><version>:tag:<tag>. Reading the
// version inside the script keeps a lookup to one round trip.
const GET_SCRIPT = `
local v = redis.call('GET', KEYS[1]) or '0'
return redis.call('GET', ARGV[1] .. v .. ':' .. ARGV[2])`;

const SET_SCRIPT = `
local v = redis.call('GET', KEYS[1]) or '0'
local key = ARGV[1] .. v .. ':' .. ARGV[2]
redis.call('SET', key, ARGV[3], 'EX', ARGV[4])
for i = 5, #ARGV do
  local tag = ARGV[1] .. v .. ':tag:' .. ARGV[i]
  redis.call('SADD', tag, key)
  redis.call('EXPIRE', tag, ARGV[4])
end`;

const INVALIDATE_SCRIPT = `
local v = redis.call('GET', KEYS[1]) or '0'
for i = 2, #ARGV do
  local tag = ARGV[1] .. v .. ':tag:' .. ARGV[i]
  for _, key in ipairs(redis.call('SMEMBERS', tag)) do redis.call('DEL', key) end
  redis.call('DEL', tag)
end`;

type ScriptedRedis = Redis & {
  cacheGet(versionKey: string, prefix: string, key: string): Promise<string | null>;
  cacheSet(
    versionKey: string,
    prefix: string,
    key: string,
    value: string,
    ttl: number,
    ...tags: string[]
  ): Promise<unknown>;
  cacheInvalidate(versionKey: string, prefix: string, ...tags: string[]): Promise<unknown>;
};

export function createRedisClient(url: string): Redis {
  return new Redis(url, failFastRedisOptions());
}

/** Redis-backed cache shared by every API process. `prefix` namespaces the keys (tests use one per file). */
export class RedisCache implements Cache {
  readonly kind = 'redis';
  private readonly redis: ScriptedRedis;
  private readonly versionKey: string;
  private readonly prefix: string;
  private down = false;

  constructor(
    redis: Redis,
    private readonly log: Logger,
    keyPrefix = 'gourmand:',
  ) {
    this.redis = redis as ScriptedRedis;
    this.prefix = `${keyPrefix}cache:`;
    this.versionKey = `${this.prefix}version`;
    this.redis.defineCommand('cacheGet', { numberOfKeys: 1, lua: GET_SCRIPT });
    this.redis.defineCommand('cacheSet', { numberOfKeys: 1, lua: SET_SCRIPT });
    this.redis.defineCommand('cacheInvalidate', { numberOfKeys: 1, lua: INVALIDATE_SCRIPT });
    // Without a listener ioredis prints every connection error; one warning per outage is enough.
    this.redis.on('error', (error) => this.failed(error));
    this.redis.on('ready', () => {
      if (this.down) this.log.info('cache: Redis is reachable again');
      this.down = false;
    });
  }

  /** Connects before the first command (commands are not queued); a failure is logged, not thrown. */
  static async open(url: string, log: Logger, keyPrefix?: string): Promise<RedisCache> {
    const cache = new RedisCache(createRedisClient(url), log, keyPrefix);
    await cache.redis.connect().catch((error) => cache.failed(error));
    return cache;
  }

  private failed(error: unknown) {
    if (!this.down) {
      this.log.warn({ err: error }, 'cache: Redis unavailable, serving from the database');
      this.down = true;
    }
  }

  private async attempt<T>(fn: () => Promise<T>, fallback: T): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      this.failed(error);
      return fallback;
    }
  }

  get(key: string): Promise<CachedResponse | undefined> {
    return this.attempt(async () => {
      const raw = await this.redis.cacheGet(this.versionKey, this.prefix, key);
      if (raw === null) return undefined;
      const newline = raw.indexOf('\n');
      return { etag: raw.slice(0, newline), body: raw.slice(newline + 1) };
    }, undefined);
  }

  set(key: string, value: CachedResponse, tags: readonly string[], ttlSeconds: number): Promise<void> {
    return this.attempt(async () => {
      await this.redis.cacheSet(
        this.versionKey,
        this.prefix,
        key,
        `${value.etag}\n${value.body}`,
        ttlSeconds,
        ...tags,
      );
    }, undefined);
  }

  invalidate(tags: readonly string[]): Promise<void> {
    return this.attempt(async () => {
      await this.redis.cacheInvalidate(this.versionKey, this.prefix, ...tags);
    }, undefined);
  }

  bumpVersion(): Promise<void> {
    return this.attempt(async () => {
      await this.redis.incr(this.versionKey);
    }, undefined);
  }

  ping(): Promise<boolean> {
    return this.attempt(async () => (await this.redis.ping()) === 'PONG', false);
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
