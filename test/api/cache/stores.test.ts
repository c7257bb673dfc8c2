import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Cache } from '../../../src/api/cache/cache.ts';
import { cacheKey } from '../../../src/api/cache/cache.ts';
import { MemoryCache } from '../../../src/api/cache/memory.ts';
import { cacheBackends, openTestCache } from '../support.ts';

const entry = (body: string) => ({ body, etag: `"${Buffer.from(body).toString('base64url')}"` });

describe.each(cacheBackends)('%s cache store', (kind) => {
  let cache: Cache;
  afterEach(async () => {
    await cache?.close();
  });
  const open = async () => {
    cache = await openTestCache(kind, `gourmand-test:${randomBytes(6).toString('hex')}:`);
    return cache;
  };

  it('gets what it set, drops entries by tag, and drops everything on a version bump', async () => {
    const c = await open();
    await c.set('a', entry('A'), ['business:1', 'businesses'], 60);
    await c.set('b', entry('B'), ['business:2', 'businesses'], 60);
    await c.set('c', entry('C'), ['states'], 60);
    expect(await c.get('a')).toEqual(entry('A'));
    await c.invalidate(['business:1']);
    expect(await c.get('a')).toBeUndefined();
    expect(await c.get('b')).toEqual(entry('B'));
    await c.invalidate(['businesses']);
    expect(await c.get('b')).toBeUndefined();
    expect(await c.get('c')).toEqual(entry('C'));
    await c.bumpVersion();
    expect(await c.get('c')).toBeUndefined();
    await c.set('c', entry('C2'), ['states'], 60);
    expect(await c.get('c')).toEqual(entry('C2'));
    expect(await c.ping()).toBe(true);
  });

  it('keeps bodies with newlines and unicode intact', async () => {
    const c = await open();
    const body = '{"name":"Café\\n😀","lines":"a\nb"}';
    await c.set('k', entry(body), [], 60);
    expect(await c.get('k')).toEqual(entry(body));
  });
});

describe('in-process cache bounds', () => {
  it('evicts the least recently used entry and forgets its tags', async () => {
    const cache = new MemoryCache(2);
    await cache.set('a', entry('A'), ['t'], 60);
    await cache.set('b', entry('B'), ['t'], 60);
    await cache.get('a');
    await cache.set('c', entry('C'), ['t'], 60);
    expect(await cache.get('b')).toBeUndefined();
    expect(await cache.get('a')).toEqual(entry('A'));
    await cache.invalidate(['t']);
    expect(await cache.get('a')).toBeUndefined();
    expect(await cache.get('c')).toBeUndefined();
    await cache.close();
  });
});

describe('cache keys', () => {
  it('ignore parameter order and undefined values, and keep route and values apart', () => {
    expect(cacheKey('/businesses/', {}, { sort: 'name', limit: 20, q: undefined })).toBe(
      cacheKey('/businesses/', {}, { limit: 20, sort: 'name' }),
    );
    expect(cacheKey('/a', { id: 1 }, {})).not.toBe(cacheKey('/b', { id: 1 }, {}));
    expect(cacheKey('/a', {}, { q: 'x&y=1' })).not.toBe(cacheKey('/a', {}, { q: 'x', y: 1 }));
  });
});
