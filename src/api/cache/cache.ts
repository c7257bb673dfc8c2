import type { BreakerState } from './breaker.ts';

/**
 * The API's response cache. Entries are stored under a version (bumped wholesale after a pipeline
 * load) and tagged (`business:42`, `businesses`, …) so a write drops exactly the entries it affects.
 * Implementations never throw: a cache that is down behaves as an empty one and the API answers
 * from the database.
 */
export interface CachedResponse {
  body: string;
  etag: string;
}

export interface Cache {
  readonly kind: 'memory' | 'redis';
  /** The circuit breaker around a remote store, when there is one. */
  readonly breakerState?: BreakerState;
  get(key: string): Promise<CachedResponse | undefined>;
  set(key: string, value: CachedResponse, tags: readonly string[], ttlSeconds: number): Promise<void>;
  /** Drops every entry tagged with any of `tags`. */
  invalidate(tags: readonly string[]): Promise<void>;
  /** Drops every entry at once (after a pipeline load). */
  bumpVersion(): Promise<void>;
  /** True when the backing store answers. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Key of a GET: route pattern, path parameters and the validated query, keys sorted, a repeated
 * parameter once per value. Nothing else of the URL takes part, so junk parameters (dropped by
 * validation) cannot multiply the entries.
 */
export function cacheKey(route: string, params: object, query: object): string {
  const norm = (value: object) =>
    Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .flatMap(([k, v]) =>
        [v].flat().map((item) => `${encodeURIComponent(k)}=${encodeURIComponent(String(item))}`),
      )
      .join('&');
  return `${route}|${norm(params)}|${norm(query)}`;
}
