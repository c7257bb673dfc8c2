import { describe, expect, it } from 'vitest';
import { MemoryCache } from '../../src/api/cache/memory.ts';
import { invalidateApiCacheTask } from '../../src/api/tasks.ts';
import { silentLogger } from '../../src/common/logger.ts';
import type { TaskContext } from '../../src/orchestrator/graph.ts';
import { dailyGraph } from '../../src/orchestrator/pipeline.ts';
import { testSettings } from '../support/settings.ts';
import { cacheBackends, openTestCache } from './support.ts';

describe('the daily graph drops cached API responses after the loads', () => {
  it('runs invalidate_api_cache after both load tasks', () => {
    const task = dailyGraph().find((t) => t.name === 'invalidate_api_cache');
    expect(task?.dependsOn).toEqual(['load_geography', 'load_yelp']);
  });

  it.each(cacheBackends)('empties the %s cache', async (kind) => {
    const prefix = `gourmand-test:task-${Date.now()}:`;
    // The task bumps the default namespace (what `gourmand serve` uses); the in-process case needs none.
    const cache = kind === 'memory' ? new MemoryCache() : await openTestCache('redis', 'gourmand:');
    try {
      await cache.set(`${prefix}k`, { body: '{}', etag: '"e"' }, [], 60);
      expect(await cache.get(`${prefix}k`)).toBeDefined();
      const settings = testSettings(kind === 'redis' ? { REDIS_URL: process.env.TEST_REDIS_URL! } : {});
      const ctx = { settings, log: silentLogger } as unknown as TaskContext;
      const outcome = await invalidateApiCacheTask.run(ctx);
      expect(outcome?.details).toEqual({ cache: kind === 'redis' ? 'redis' : 'in-process' });
      expect(await cache.get(`${prefix}k`)).toBeUndefined();
    } finally {
      await cache.close();
    }
  });
});
