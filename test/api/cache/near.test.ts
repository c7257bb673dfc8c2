import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRedisClient, RedisCache } from '../../../src/api/cache/redis.ts';
import { silentLogger } from '../../../src/common/logger.ts';
import { PrivateRedis } from '../../support/redis-server.ts';

const entry = (body: string) => ({ body, etag: `"${body.length}"` });

async function until(condition: () => boolean | Promise<boolean>, what: string, ms = 5000) {
  const end = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * Two caches on one Redis stand for two API processes. Each keeps the entries it read in memory
 * (the near cache) under Redis's client tracking; what is under test is that a hit from there
 * costs no command, and that nothing is served from there once it could be stale.
 */
describe('the near cache in front of Redis', () => {
  let redis: PrivateRedis;
  let a: RedisCache;
  let b: RedisCache;
  let sentByB: ReturnType<typeof vi.spyOn>;

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    a = await RedisCache.open(redis.url, silentLogger, 'near:');
    const client = createRedisClient(redis.url);
    // Counts every command B sends on its command connection (a spy on the client, not our code).
    sentByB = vi.spyOn(client, 'sendCommand');
    b = new RedisCache(client, silentLogger, 'near:');
    await client.connect();
    await until(() => a.nearTrusted && b.nearTrusted, 'client tracking');
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await redis?.kill();
  });

  it('serves a repeated hit from memory, with no command to Redis', async () => {
    await a.set('list', entry('L1'), ['businesses'], 60);
    expect(await b.get('list')).toEqual(entry('L1')); // read from Redis, kept
    const sent = sentByB.mock.calls.length;
    for (let i = 0; i < 50; i++) expect(await b.get('list')).toEqual(entry('L1'));
    expect(sentByB.mock.calls.length).toBe(sent);
  });

  it("drops another process's invalidated entry when Redis announces it, and its own at once", async () => {
    await a.set('one', entry('O1'), ['business:1'], 60);
    await a.set('two', entry('T1'), ['business:2'], 60);
    expect(await b.get('one')).toEqual(entry('O1'));
    expect(await b.get('two')).toEqual(entry('T1'));
    expect(await a.get('one')).toEqual(entry('O1'));

    await a.invalidate(['business:1']);
    // The writer's own memory has already dropped it: no announcement needed.
    expect(await a.get('one')).toBeUndefined();
    // B drops it when the announcement arrives; the other entry stays in memory.
    const sent = sentByB.mock.calls.length;
    await until(async () => (await b.get('one')) === undefined, 'the announcement');
    expect(sentByB.mock.calls.length).toBe(sent + 1); // the one miss that asked Redis
    expect(await b.get('two')).toEqual(entry('T1'));
    expect(sentByB.mock.calls.length).toBe(sent + 1);
  });

  it('empties on a version bump made by another process', async () => {
    await a.set('v', entry('V1'), ['states'], 60);
    expect(await b.get('v')).toEqual(entry('V1'));
    await a.bumpVersion();
    await until(async () => (await b.get('v')) === undefined, 'the version announcement');
    await a.set('v', entry('V2'), ['states'], 60);
    expect(await b.get('v')).toEqual(entry('V2'));
  });

  it('follows the entry when it expires in Redis', async () => {
    await a.set('short', entry('S1'), ['states'], 1);
    expect(await b.get('short')).toEqual(entry('S1'));
    await until(async () => (await b.get('short')) === undefined, 'the expiry announcement', 4000);
  });

  it('stops serving from memory within a second of Redis freezing, and trusts it again after', async () => {
    await a.set('frozen', entry('F1'), ['states'], 60);
    expect(await b.get('frozen')).toEqual(entry('F1'));
    redis.freeze();
    try {
      await until(() => !b.nearTrusted, 'distrust', 2000);
      // Not from memory: the lookup goes to the frozen Redis, times out and finds nothing.
      expect(await b.get('frozen')).toBeUndefined();
    } finally {
      redis.resume();
    }
    await until(() => b.nearTrusted, 'trust again');
    await until(async () => (await b.get('frozen')) !== undefined, 'Redis answering');
    const sent = sentByB.mock.calls.length;
    expect(await b.get('frozen')).toEqual(entry('F1'));
    expect(sentByB.mock.calls.length).toBe(sent);
  });
});
