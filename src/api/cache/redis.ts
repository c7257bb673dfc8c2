import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../../common/logger.ts';
import { BreakerOpenError, type BreakerOptions, CircuitBreaker } from './breaker.ts';
import type { Cache, CachedResponse } from './cache.ts';
import { NearCache } from './near.ts';

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

// Entries live at <prefix><version>:<key>; tag sets at <prefix><version>:tag:<tag>. Writes read
// the version inside their script; a lookup is one plain MGET (below).
const SET_SCRIPT = `
local v = redis.call('GET', KEYS[1]) or '0'
local key = ARGV[1] .. v .. ':' .. ARGV[2]
redis.call('SET', key, ARGV[3], 'EX', ARGV[4])
for i = 5, #ARGV do
  local tag = ARGV[1] .. v .. ':tag:' .. ARGV[i]
  redis.call('SADD', tag, key)
  redis.call('EXPIRE', tag, ARGV[4])
end`;

// Returns the entries it deleted, so this process drops them from its near cache at once.
const INVALIDATE_SCRIPT = `
local v = redis.call('GET', KEYS[1]) or '0'
local deleted = {}
for i = 2, #ARGV do
  local tag = ARGV[1] .. v .. ':tag:' .. ARGV[i]
  for _, key in ipairs(redis.call('SMEMBERS', tag)) do
    redis.call('DEL', key)
    deleted[#deleted + 1] = key
  end
  redis.call('DEL', tag)
end
return deleted`;

type ScriptedRedis = Redis & {
  cacheSet(
    versionKey: string,
    prefix: string,
    key: string,
    value: string,
    ttl: number,
    ...tags: string[]
  ): Promise<unknown>;
  cacheInvalidate(versionKey: string, prefix: string, ...tags: string[]): Promise<string[]>;
};

export interface RedisCacheOptions {
  breaker?: BreakerOptions;
  /** Bytes of entries this process keeps in memory under Redis's client tracking; 0 = none. */
  nearMaxBytes?: number;
}

/** 64 MiB of near-cache entries unless API_CACHE_NEAR_MB says otherwise. */
export const DEFAULT_NEAR_MAX_BYTES = 64 * 1024 * 1024;

export function createRedisClient(url: string): Redis {
  return new Redis(url, failFastRedisOptions());
}

/**
 * Redis-backed cache shared by every API process. `prefix` namespaces the keys (tests use one per
 * file). Every call goes through a circuit breaker, so a hung Redis is skipped instead of waited on.
 *
 * A write whose invalidation fails (Redis down, hung, or the circuit open) leaves entries in Redis
 * that are older than the write; Redis may come back with them. The cache is then *suspect*: it
 * serves and stores nothing until it has bumped the version (dropping every entry at once), which
 * it tries before each later call and as soon as the connection is back.
 */
export class RedisCache implements Cache {
  readonly kind = 'redis';
  private readonly redis: ScriptedRedis;
  private readonly versionKey: string;
  private readonly prefix: string;
  private readonly breaker: CircuitBreaker;
  private readonly near: NearCache | undefined;
  private down = false;
  private suspect = false;
  private healing: Promise<boolean> | undefined;
  /** The version the last lookup saw. */
  private version = '0';

  constructor(
    redis: Redis,
    private readonly log: Logger,
    keyPrefix = 'gourmand:',
    options: RedisCacheOptions = {},
  ) {
    this.redis = redis as ScriptedRedis;
    this.breaker = new CircuitBreaker(options.breaker);
    this.prefix = `${keyPrefix}cache:`;
    this.versionKey = `${this.prefix}version`;
    const nearMaxBytes = options.nearMaxBytes ?? DEFAULT_NEAR_MAX_BYTES;
    if (nearMaxBytes > 0) {
      const subscriber = redis.duplicate({ autoResubscribe: false, protocol: 2 });
      subscriber.on('error', () => {}); // the command connection already reports an outage
      this.near = new NearCache(subscriber, this.prefix, this.versionKey, nearMaxBytes, log);
      void subscriber.connect().catch(() => {});
    }
    this.redis.defineCommand('cacheSet', { numberOfKeys: 1, lua: SET_SCRIPT });
    this.redis.defineCommand('cacheInvalidate', { numberOfKeys: 1, lua: INVALIDATE_SCRIPT });
    // Without a listener ioredis prints every connection error; one warning per outage is enough.
    this.redis.on('error', (error) => this.failed(error));
    this.redis.on('ready', () => {
      if (this.down) this.log.info('cache: Redis is reachable again');
      this.down = false;
      if (this.suspect) void this.heal();
    });
  }

  /** Connects before the first command (commands are not queued); a failure is logged, not thrown. */
  static async open(
    url: string,
    log: Logger,
    keyPrefix?: string,
    options?: RedisCacheOptions,
  ): Promise<RedisCache> {
    const cache = new RedisCache(createRedisClient(url), log, keyPrefix, options);
    await cache.redis.connect().catch((error) => cache.failed(error));
    return cache;
  }

  get breakerState() {
    return this.breaker.state;
  }

  /** True while hits can be served from this process's memory (Redis tracking is live). */
  get nearTrusted() {
    return this.near?.trusted ?? false;
  }

  /** True while a failed invalidation has not yet been made good by a version bump. */
  get isSuspect() {
    return this.suspect;
  }

  private failed(error: unknown) {
    if (!this.down && !(error instanceof BreakerOpenError)) {
      this.log.warn({ err: error }, 'cache: Redis unavailable, serving from the database');
      this.down = true;
    }
  }

  private async attempt<T>(fn: () => Promise<T>, fallback: T): Promise<T> {
    try {
      return await this.breaker.run(fn);
    } catch (error) {
      this.failed(error);
      return fallback;
    }
  }

  /** A write that could not reach Redis: nothing is served until the version is bumped. */
  private async write(fn: () => Promise<unknown>): Promise<void> {
    const reached = await this.attempt(async () => {
      await fn();
      return true;
    }, false);
    if (!reached) this.markSuspect();
  }

  private markSuspect() {
    if (!this.suspect)
      this.log.warn('cache: an invalidation failed; no entry is served until Redis takes a version bump');
    this.suspect = true;
    this.near?.clear();
  }

  /** Bumps the version once Redis answers; true when the cache is trustworthy again. */
  private heal(): Promise<boolean> {
    if (!this.suspect) return Promise.resolve(true);
    this.healing ??= this.attempt(async () => {
      await this.redis.incr(this.versionKey);
      return true;
    }, false).then((ok) => {
      this.healing = undefined;
      if (ok) {
        this.suspect = false;
        this.log.info('cache: version bumped after a failed invalidation; serving from Redis again');
      }
      return ok;
    });
    return this.healing;
  }

  /** The near cache, unless the breaker is open (Redis failing: its announcements may be late). */
  private nearNow(): NearCache | undefined {
    return this.breaker.state === 'closed' ? this.near : undefined;
  }

  async get(key: string): Promise<CachedResponse | undefined> {
    if (!(await this.heal())) return undefined;
    const near = this.nearNow();
    const nearHit = near?.get(`${this.prefix}${this.version}:${key}`);
    if (nearHit) return nearHit;
    const generation = near?.current ?? 0;
    // Otherwise one MGET, no script (EVALSHA cost a cached hit a third of its throughput): the
    // entry under the version last seen, with the current version read in the same atomic command.
    // The entry counts only if that version is still current; after a bump, once more under it.
    return this.attempt(async () => {
      for (let attempt = 0; attempt < 2; attempt++) {
        // The version this key was built with: concurrent lookups move this.version meanwhile.
        const asked = this.version;
        const [raw, version] = await this.redis.mget(`${this.prefix}${asked}:${key}`, this.versionKey);
        const current = version ?? '0';
        if (current !== asked) {
          this.version = current;
          continue;
        }
        if (raw === null || raw === undefined) return undefined;
        const newline = raw.indexOf('\n');
        const found = { etag: raw.slice(0, newline), body: raw.slice(newline + 1) };
        near?.keep(generation, `${this.prefix}${asked}:${key}`, found);
        return found;
      }
      return undefined;
    }, undefined);
  }

  async set(key: string, value: CachedResponse, tags: readonly string[], ttlSeconds: number): Promise<void> {
    if (!(await this.heal())) return;
    await this.attempt(async () => {
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
    return this.write(async () => {
      this.near?.drop(await this.redis.cacheInvalidate(this.versionKey, this.prefix, ...tags));
    });
  }

  async bumpVersion(): Promise<void> {
    await this.write(() => this.redis.incr(this.versionKey));
    // After the reply: a lookup answered before the bump (same connection, so earlier) was kept.
    this.near?.clear();
  }

  ping(): Promise<boolean> {
    return this.attempt(async () => (await this.redis.ping()) === 'PONG', false);
  }

  async close(): Promise<void> {
    this.near?.close();
    this.redis.disconnect();
  }
}
