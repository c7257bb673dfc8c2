import type { Task } from '../orchestrator/graph.ts';
import { invalidateAfterLoad } from './cache/index.ts';

/**
 * After the day's loads, every cached API response may be stale: drop them all at once (a version
 * bump in Redis, or the in-process caches of this process). A cache that cannot be reached only logs.
 */
export const invalidateApiCacheTask: Task = {
  name: 'invalidate_api_cache',
  needs: ['redisUrl'],
  dependsOn: ['load_geography', 'load_yelp'],
  description: 'Drop cached API responses after the source database changed',
  // A load that committed before a cancellation must not leave stale answers cached.
  evenIfCancelled: true,
  async run(ctx) {
    await invalidateAfterLoad(ctx.settings, ctx.log);
    return { details: { cache: ctx.settings.redisUrl ? 'redis' : 'in-process' } };
  },
};

export const apiTasks: Task[] = [invalidateApiCacheTask];
