import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportLake } from '../../src/lake/export.ts';
import { FileStore } from '../../src/lake/store.ts';
import { type DataTestResult, runDataTests } from '../../src/warehouse/data-tests.ts';
import type { DuckDbAdapter } from '../../src/warehouse/duckdb.ts';
import { buildWarehouse } from '../../src/warehouse/runner.ts';
import { FIXTURE_DAYS, seedFixture, simulateFixtureDay } from '../lake/fixture.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { appendToPartition, dumpWarehouse, openTempWarehouse, tempDir } from './helpers.ts';

const outcome = (results: DataTestResult[]) =>
  results
    .map((r) => ({ name: r.name, status: r.status, failures: r.failures }))
    .sort((a, b) => a.name.localeCompare(b.name));

describe('data tests after an incremental build', () => {
  let database: TestDatabase;
  let store: FileStore;
  let warehouse: DuckDbAdapter;

  beforeAll(async () => {
    database = await createTestDatabase('pglite');
    await seedFixture(database);
    store = new FileStore(tempDir('lake'));
    warehouse = await openTempWarehouse();
  });
  afterAll(async () => {
    await warehouse?.close();
    await database?.close();
  });

  it('check only the changed rows of lake tables and incremental facts, and find what a full run finds', async () => {
    const test = (full?: boolean) => runDataTests(warehouse, database.db, { runDate: FIXTURE_DAYS[2], full });
    for (const [day, date] of FIXTURE_DAYS.entries()) {
      await simulateFixtureDay(database, day);
      await exportLake(database, store, date);
      if (day === 1) {
        // Day 2's partitions gain a duplicated business without a yelp_id and a holding without a
        // rating: failures of a group test and of row tests, on the lake and on the fact table.
        await appendToPartition(
          warehouse,
          store,
          'business',
          date,
          (file) => `select * replace (cast(null as varchar) as yelp_id) from ${file} limit 1`,
        );
        await appendToPartition(
          warehouse,
          store,
          'business_holding',
          date,
          (file) =>
            `select * replace (business_id + 100000 as business_id, cast(null as decimal(2, 1)) as rating) from ${file} limit 1`,
        );
      }
      await buildWarehouse({ adapter: warehouse, store, cacheDir: tempDir('cache') }, { runDate: date });
      const incremental = await test();
      const failuresTables = await dumpWarehouse(warehouse, ['test_failures']);
      const changedOnly = incremental.filter((r) => r.scope === 'changed').map((r) => r.name);
      if (day === 0) expect(changedOnly).toEqual([]);
      else {
        expect(changedOnly).toContain('lake_business__unique__business_id_dt');
        expect(changedOnly).toContain('fct_business_holding__unique__business_holding_key');
        expect(changedOnly).toContain('fct_business_holding__not_null__rating');
      }
      // The same result, and the same failing rows stored, as checking every row.
      const full = await test(true);
      expect(full.every((r) => r.scope === 'all')).toBe(true);
      expect(outcome(incremental)).toEqual(outcome(full));
      expect(failuresTables).toEqual(await dumpWarehouse(warehouse, ['test_failures']));
      // Day 2's failures stay failures on day 3, when only day 3's rows are checked.
      const failing = incremental.filter((r) => r.status === 'fail').map((r) => r.name);
      if (day === 0) expect(failing).toEqual([]);
      else
        expect(failing).toEqual(
          expect.arrayContaining([
            'lake_business__unique__business_id_dt',
            'lake_business__not_null__yelp_id',
            'fct_business_holding__not_null__rating',
          ]),
        );
    }
  });

  it('check everything again after a full refresh', async () => {
    await buildWarehouse(
      { adapter: warehouse, store, cacheDir: tempDir('cache') },
      { runDate: FIXTURE_DAYS[2], fullRefresh: true },
    );
    const results = await runDataTests(warehouse, database.db, { runDate: FIXTURE_DAYS[2] });
    expect(results.filter((r) => r.scope === 'changed')).toEqual([]);
    expect(results.find((r) => r.name === 'lake_business__unique__business_id_dt')).toMatchObject({
      status: 'fail',
      failures: 1,
    });
  });
});
