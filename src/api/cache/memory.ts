import { LRUCache } from 'lru-cache';
import type { Cache, CachedResponse } from './cache.ts';

// Every in-process cache of this process, so a load finishing in the same process drops them all.
const liveCaches = new Set<MemoryCache>();

/** In-process LRU, the default when REDIS_URL is unset. */
export class MemoryCache implements Cache {
  readonly kind = 'memory';
  private readonly entries: LRUCache<string, CachedResponse>;
  private readonly tags = new Map<string, Set<string>>();
  private readonly keyTags = new Map<string, readonly string[]>();
  private version = 0;

  constructor(maxEntries = 10_000) {
    this.entries = new LRUCache({
      max: maxEntries,
      // An evicted or expired entry leaves its tag sets, so they do not grow without bound.
      dispose: (_value, key) => this.untag(key),
    });
    liveCaches.add(this);
  }

  /** Entries held now (of every version). */
  get size() {
    return this.entries.size;
  }

  private versioned(key: string) {
    return `${this.version}:${key}`;
  }

  private untag(versionedKey: string) {
    for (const tag of this.keyTags.get(versionedKey) ?? []) {
      const keys = this.tags.get(tag);
      if (keys?.delete(versionedKey) && keys.size === 0) this.tags.delete(tag);
    }
    this.keyTags.delete(versionedKey);
  }

  async get(key: string) {
    return this.entries.get(this.versioned(key));
  }

  async set(key: string, value: CachedResponse, tags: readonly string[], ttlSeconds: number) {
    const versioned = this.versioned(key);
    this.entries.set(versioned, value, { ttl: ttlSeconds * 1000 });
    this.keyTags.set(versioned, tags);
    for (const tag of tags) {
      const keys = this.tags.get(tag) ?? new Set<string>();
      keys.add(versioned);
      this.tags.set(tag, keys);
    }
  }

  async invalidate(tags: readonly string[]) {
    for (const tag of tags) {
      for (const key of [...(this.tags.get(tag) ?? [])]) this.entries.delete(key);
    }
  }

  async bumpVersion() {
    this.version += 1;
    this.entries.clear();
  }

  async ping() {
    return true;
  }

  async close() {
    liveCaches.delete(this);
    this.entries.clear();
  }
}

/** Bumps the version of every in-process cache alive in this process. */
export async function bumpMemoryCaches(): Promise<number> {
  for (const cache of liveCaches) await cache.bumpVersion();
  return liveCaches.size;
}
