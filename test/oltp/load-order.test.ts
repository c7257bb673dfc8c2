import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createWorld } from '../../src/simulator/index.ts';
import { dumpTables, rows } from '../e2e/truth.ts';
import { createTestDatabase, databaseBackends, type TestDatabase } from '../support/database.ts';
import { loadWorldDay } from './world-load.ts';

// A month apart: businesses open, close, change name, phone, price, categories in between.
const [D1, D2, D3] = ['2026-01-05', '2026-02-05', '2026-03-05'] as const;
const world = createWorld({ businesses: 600, seed: 7 });

// Six loads before the first test, each with its geography: slow on a busy machine.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

/** Every table a load writes, plus the record of loaded dates, without the wall-clock columns and transaction ids. */
async function content(database: TestDatabase) {
  const dump = await dumpTables(database);
  dump['ops.source_load'] = await rows(
    database,
    'select source, load_date from ops.source_load order by 1, 2',
  );
  return Object.fromEntries(
    Object.entries(dump).map(([table, list]) => [
      table,
      list.map((row) => {
        const { updated_at: _updated, change_xid: _xid, ...rest } = row as Record<string, unknown>;
        if (table === 'ops.quarantine') delete rest.created_at;
        return rest;
      }),
    ]),
  );
}

describe.each(databaseBackends)('loading dates out of order (%s)', (backend) => {
  let inOrder: TestDatabase;
  let rerun: TestDatabase;
  beforeAll(async () => {
    inOrder = await createTestDatabase(backend);
    rerun = await createTestDatabase(backend);
    for (const date of [D1, D2, D3]) {
      await loadWorldDay(inOrder, world, date);
      await loadWorldDay(rerun, world, date);
    }
  });
  afterAll(async () => {
    await inOrder?.close();
    await rerun?.close();
  });

  it('re-running D2, D1, then D3 changes no row: the state of a clean D1 → D3 run, ids included', async () => {
    const before = await dumpTables(rerun);
    // The world changed between the dates: an older date carries other values than the current ones.
    const later = new Map(world.truth(D3).businesses.map((b) => [b.id, b]));
    const differing = world.truth(D1).businesses.filter((b) => {
      const now = later.get(b.id);
      return now && (now.name !== b.name || now.phone !== b.phone || now.price !== b.price);
    });
    expect(differing.length).toBeGreaterThan(0);
    for (const date of [D2, D1, D3]) {
      await loadWorldDay(rerun, world, date);
      // updated_at included: nothing was touched, so the lake has nothing to re-export.
      expect(await dumpTables(rerun)).toEqual(before);
    }
    expect(await content(rerun)).toEqual(await content(inOrder));
  });

  it('backfilling a date never loaded adds its history and leaves current state as a later date made it', async () => {
    const backfill = await createTestDatabase(backend);
    try {
      await loadWorldDay(backfill, world, D1);
      await loadWorldDay(backfill, world, D3);
      const current = `select b.yelp_id, b.name, b.phone, b.payment_level_id, b.is_closed, b.valid_to, b.last_seen,
                              (select array_agg(c.alias order by c.alias) from business_category_bridge br
                               join business_category c using (category_id)
                               where br.business_id = b.business_id and br.valid_to is null) as categories
                       from business b where b.last_seen = '${D3}' order by b.yelp_id`;
      const before = await rows(backfill, current);
      await loadWorldDay(backfill, world, D2);
      // Businesses seen on D3 keep D3's values, which are the in-order run's too.
      expect(await rows(backfill, current)).toEqual(before);
      expect(await rows(inOrder, current)).toEqual(before);
      const holdings = await rows<{ n: number }>(
        backfill,
        `select count(*)::int as n from business_holding where holding_date = '${D2}'`,
      );
      expect(holdings[0]!.n).toBe(world.truth(D2).businesses.length);
      expect(
        await rows(
          backfill,
          `select holding_date, count(*)::int as n from business_holding group by 1 order by 1`,
        ),
      ).toEqual(
        await rows(
          inOrder,
          `select holding_date, count(*)::int as n from business_holding group by 1 order by 1`,
        ),
      );
    } finally {
      await backfill.close();
    }
  });
});
