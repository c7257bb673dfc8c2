import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { withLoadTransaction } from '../../src/oltp/load/session.ts';
import { loadYelp } from '../../src/oltp/load/yelp.ts';
import { createWorld, dayDate, dayNumber } from '../../src/simulator/index.ts';
import { dumpTables, rows } from '../e2e/truth.ts';
import { createTestDatabase, databaseBackends, type TestDatabase } from '../support/database.ts';
import { loadWorldDay, worldPull } from './world-load.ts';

const FIRST = '2026-01-05';
const DAYS = Array.from({ length: 10 }, (_, i) => dayDate(dayNumber(FIRST) + i));
// 600 businesses still give every day new reviews, changed businesses and events, and a closure
// on day four: each kind of row the sequences must not be burnt by.
const world = createWorld({ businesses: 600, seed: 7 });
const small = createWorld({ businesses: 400, seed: 3 });

// Ten loads of a world with its reviews and events: slow on a busy machine.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

/** Every serial key of the source tables and the sequence behind it. */
const SERIALS = [
  ['country', 'country_id'],
  ['state', 'state_id'],
  ['county', 'county_id'],
  ['city', 'city_id'],
  ['business', 'business_id'],
  ['business_category', 'category_id'],
  ['transaction_type', 'transaction_type_id'],
  ['yelp_user', 'user_id'],
  ['review', 'review_id'],
  ['event_category', 'event_category_id'],
  ['event', 'event_id'],
] as const;

/** The value each sequence hands out next, and each table's row count, by table. */
async function sequences(database: TestDatabase) {
  const out: Record<string, { next: number; rows: number }> = {};
  for (const [table, key] of SERIALS) {
    const [row] = await rows<{ next: number; rows: number }>(
      database,
      `select (select case when is_called then last_value + 1 else last_value end
               from ${table}_${key}_seq)::int as next,
              (select count(*) from ${table})::int as rows`,
    );
    out[table] = row!;
  }
  return out;
}

describe.each(databaseBackends)('surrogate keys of daily loads (%s)', (backend) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(backend);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('ten daily runs advance the business id sequence by the new businesses only', async () => {
    const seen = new Set<string>();
    let next = (await sequences(database)).business!.next;
    expect(next).toBe(1);
    for (const date of DAYS) {
      const fresh = world.truth(date).businesses.filter((b) => !seen.has(b.id));
      for (const b of fresh) seen.add(b.id);
      await loadWorldDay(database, world, date);
      const after = await sequences(database);
      expect(after.business!.next - next).toBe(fresh.length);
      next = after.business!.next;
      // Every sequence stands just past its rows: no id was taken by a row that already existed.
      for (const [table] of SERIALS) expect(after[table]!.next, table).toBe(after[table]!.rows + 1);
    }
    expect(next - 1).toBe(seen.size);
    const before = await dumpTables(database);
    await loadWorldDay(database, world, DAYS.at(-1)!);
    expect(await dumpTables(database)).toEqual(before);
    expect((await sequences(database)).business!.next).toBe(next);
  });

  it('a load that died before its commit leaves the ids a clean load gives', async () => {
    const crashed = await createTestDatabase(backend);
    const clean = await createTestDatabase(backend);
    try {
      await loadWorldDay(crashed, small, FIRST);
      // The second day's load dies after all its inserts (and the sequences moved on).
      const second = DAYS[1]!;
      await expect(
        withLoadTransaction(crashed, async (session) => {
          await loadYelp(session, second, worldPull(small.truth(second)));
          throw new Error('killed before the commit');
        }),
      ).rejects.toThrow('killed');
      await loadWorldDay(crashed, small, second);
      for (const date of [FIRST, second]) await loadWorldDay(clean, small, date);
      const ids = (dump: Record<string, unknown[]>) =>
        Object.fromEntries(
          Object.entries(dump).map(([table, list]) => [
            table,
            list.map((row) => {
              const {
                updated_at: _u,
                change_xid: _x,
                created_at: _c,
                quarantine_id: _q,
                ...rest
              } = row as Record<string, unknown>;
              return table === 'review'
                ? { ...rest, created_at: (row as { created_at: unknown }).created_at }
                : rest;
            }),
          ]),
        );
      expect(ids(await dumpTables(crashed))).toEqual(ids(await dumpTables(clean)));
      expect(await sequences(crashed)).toEqual(await sequences(clean));
    } finally {
      await crashed.close();
      await clean.close();
    }
  });
});
