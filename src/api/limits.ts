import type { RateLimitOptions } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { Logger } from '../common/logger.ts';
import type { Settings } from '../config/settings.ts';
import { CircuitBreaker } from './cache/breaker.ts';
import { HttpError } from './errors.ts';

export const MINUTE = 60_000;

// A fixed window per key: the first hit starts it.
const INCR_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {count, redis.call('PTTL', KEYS[1])}`;

type LimitRedis = Redis & { gourmandLimit(key: string, windowMs: number): Promise<[number, number]> };
type Hit = { current: number; ttl: number };
type Callback = (error: Error | null, hit: Hit) => void;

export interface LimitCounter {
  /** Counts one hit of `key` in its window; the count so far and the window's time left. */
  hit(key: string, windowMs: number): Promise<Hit>;
}

/**
 * The counter behind every limit: Redis (shared by every API process) through a circuit breaker,
 * and an in-process counter whenever Redis fails or the circuit is open. A limit is never lifted
 * because Redis is down; at worst each process counts on its own for a while.
 */
export function limitCounter(redis: Redis | undefined, prefix: string, log: Logger): LimitCounter {
  const local = new LRUCache<string, { count: number; resetAt: number }>({ max: 100_000 });
  const breaker = new CircuitBreaker();
  let fallingBack = false;
  (redis as LimitRedis | undefined)?.defineCommand('gourmandLimit', { numberOfKeys: 1, lua: INCR_SCRIPT });

  const countLocally = (key: string, windowMs: number): Hit => {
    const now = Date.now();
    const entry = local.get(key);
    if (!entry || entry.resetAt <= now) {
      local.set(key, { count: 1, resetAt: now + windowMs });
      return { current: 1, ttl: windowMs };
    }
    entry.count += 1;
    return { current: entry.count, ttl: entry.resetAt - now };
  };

  return {
    async hit(key, windowMs) {
      const full = `${prefix}${key}`;
      if (!redis) return countLocally(full, windowMs);
      try {
        const [current, ttl] = await breaker.run(() => (redis as LimitRedis).gourmandLimit(full, windowMs));
        if (fallingBack) log.info('rate limits: Redis is back, counting there again');
        fallingBack = false;
        return { current, ttl: Math.max(ttl, 0) };
      } catch {
        if (!fallingBack) log.warn('rate limits: Redis unavailable, counting in this process');
        fallingBack = true;
        return countLocally(full, windowMs);
      }
    },
  };
}

/** The counter as @fastify/rate-limit's store. */
export function limitStore(counter: LimitCounter) {
  return class LimitStore {
    private readonly namespace: string;
    /** @fastify/rate-limit constructs the root store with its options, children with a namespace. */
    constructor(namespace?: unknown) {
      this.namespace = typeof namespace === 'string' ? namespace : '';
    }

    incr(key: string, callback: Callback, windowMs: number) {
      counter.hit(`${this.namespace}${key}`, windowMs).then(
        (hit) => {
          callback(null, hit);
        },
        (error: Error) => {
          callback(error, { current: 0, ttl: 0 });
        },
      );
    }

    // At run time the plugin passes the route's merged limit options, the route under `routeInfo`.
    child(options: object) {
      const route = (options as { routeInfo?: { method?: string; url?: string } }).routeInfo ?? {};
      return new LimitStore(`${this.namespace}${route.method ?? ''}${route.url ?? ''}:`);
    }
  };
}

/** The stricter per-IP limit of the sign-in routes (login, register, refresh, verify, reset). */
export function perIpLimit(settings: Settings): RateLimitOptions | false {
  const max = settings.apiLoginRateLimitPerMinute;
  return max > 0 ? { max, timeWindow: MINUTE, keyGenerator: (request) => `signin-ip:${request.ip}` } : false;
}

/**
 * The same limit per account, as a preHandler (after the body is parsed): many addresses guessing
 * one account's password share its budget. `accountOf` names the account a request is about (an
 * e-mail address, or the account a token belongs to); undefined counts against one shared
 * "unknown" bucket.
 */
export function perAccountLimit(
  app: FastifyInstance,
  name: string,
  accountOf: (request: FastifyRequest) => Promise<string | number | undefined> | string | undefined,
) {
  const max = app.settings.apiLoginRateLimitPerMinute;
  if (max === 0) return [];
  return [
    async (request: FastifyRequest, reply: FastifyReply) => {
      const account = (await accountOf(request)) ?? 'unknown';
      const { current, ttl } = await app.limits.hit(`signin-account:${name}:${account}`, MINUTE);
      if (current > max) {
        const seconds = Math.max(1, Math.ceil(ttl / 1000));
        reply.header('retry-after', seconds);
        throw new HttpError(429, `Too many attempts for this account; retry in ${seconds} seconds`);
      }
    },
  ];
}
