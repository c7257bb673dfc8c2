import { type Logger, silentLogger } from '../../common/logger.ts';
import type { Settings } from '../../config/settings.ts';
import type { Cache } from './cache.ts';
import { bumpMemoryCaches, MemoryCache } from './memory.ts';
import { clearNearCaches } from './near.ts';
import { RedisCache } from './redis.ts';

export type { Cache, CachedResponse } from './cache.ts';
export { cacheKey } from './cache.ts';
export { MemoryCache } from './memory.ts';
export { RedisCache } from './redis.ts';

/** Redis when REDIS_URL is set, else the in-process LRU. */
export async function createCache(
  settings: Pick<Settings, 'redisUrl' | 'apiCacheNearMb'>,
  log: Logger,
  keyPrefix?: string,
): Promise<Cache> {
  if (!settings.redisUrl) return new MemoryCache();
  return RedisCache.open(settings.redisUrl, log, keyPrefix, {
    nearMaxBytes: settings.apiCacheNearMb * 1024 * 1024,
  });
}

/**
 * Called by the loading stage when a pipeline load has finished: every cached API response is
 * dropped at once (the version is bumped). With Redis this reaches every API process; without it,
 * the in-process caches of this process (other processes' entries expire by their TTL).
 * Never throws: a cache that cannot be reached only logs.
 */
export async function invalidateAfterLoad(
  settings: Pick<Settings, 'redisUrl'>,
  log: Logger = silentLogger,
  keyPrefix?: string,
): Promise<void> {
  const memory = await bumpMemoryCaches();
  // This process's near caches at once; other processes' when Redis announces the bump.
  clearNearCaches();
  if (!settings.redisUrl) {
    log.info({ caches: memory }, 'API cache invalidated (in-process)');
    return;
  }
  const cache = await RedisCache.open(settings.redisUrl, log, keyPrefix);
  try {
    await cache.bumpVersion();
    log.info('API cache invalidated (Redis version bumped)');
  } finally {
    await cache.close();
  }
}
