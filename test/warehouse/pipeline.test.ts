import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/common/logger.ts';
import type { Settings } from '../../src/config/settings.ts';
import { type FileStore, openObjectStore } from '../../src/lake/store.ts';
import { LAKE_TABLES } from '../../src/lake/tables.ts';
import { selectTasks } from '../../src/orchestrator/graph.ts';
import { dailyGraph } from '../../src/orchestrator/pipeline.ts';
import { type RunSummary, runGraph } from '../../src/orchestrator/runner.ts';
import { standaloneTask } from '../../src/orchestrator/single.ts';
import { type SimulatorServer, startSimulator } from '../../src/simulator/index.ts';
import { openWarehouse, type WarehouseAdapter } from '../../src/warehouse/adapter.ts';
import { buildWarehouse } from '../../src/warehouse/runner.ts';
import { simSettings, WEST } from '../e2e/truth.ts';
import { lakeContents } from '../lake/lake-contents.ts';
import { createTestDatabase, databaseBackends, type TestDatabase } from '../support/database.ts';
import {
  dumpWarehouse,
  expectMartsMatchSource,
  MODEL_SCHEMAS,
  openTempWarehouse,
  tempDir,
} from './helpers.ts';

// Day 2 is three months on, so some businesses have been renamed or re-priced (the simulator
// changes those every few years per business); day 3 is the day after.
const DAYS = ['2026-01-05', '2026-04-05', '2026-04-06'] as const;

/** The real daily pipeline, simulator to warehouse tests, for days 1–3 at a small scale. */
describe.each(databaseBackends)('daily pipeline through lake and warehouse (%s)', (backend) => {
  let sim: SimulatorServer;
  let database: TestDatabase;
  let settings: Settings;
  const summaries: RunSummary[] = [];
  const businessesAfter: Map<
    string,
    { name: string; price: number | null; updated: string; closed: boolean }
  >[] = [];

  const sourceBusinesses = async () =>
    new Map(
      (
        await sql<{ id: string; name: string; price: number | null; updated: string; closed: boolean }>`
          select yelp_id as id, name, payment_level_id as price, updated_at::text as updated,
                 valid_to is not null as closed
          from business`.execute(database.db)
      ).rows.map((r) => [r.id, { name: r.name, price: r.price, updated: r.updated, closed: r.closed }]),
    );

  const withWarehouse = async <T>(fn: (adapter: WarehouseAdapter) => Promise<T>) => {
    const adapter = await openWarehouse(settings);
    try {
      return await fn(adapter);
    } finally {
      await adapter.close();
    }
  };

  beforeAll(async () => {
    // The country-wide searches were most of each day's run.
    sim = await startSimulator({
      businesses: 1200,
      seed: 11,
      date: DAYS[0],
      searchDepthCap: 240,
      censusStates: WEST,
    });
    settings = simSettings(sim);
    database = await createTestDatabase(backend);
    for (const date of DAYS) {
      sim.setDate(date);
      summaries.push(
        await runGraph({
          graph: selectTasks(dailyGraph(), ['warehouse_test'], true),
          runDate: date,
          settings,
          database,
          log: silentLogger,
          attempts: 1,
        }),
      );
      businessesAfter.push(await sourceBusinesses());
    }
    // Three days of the whole pipeline: past the default hook timeout on a busy machine.
  }, 300_000);
  afterAll(async () => {
    await database?.close();
    await sim?.close();
  });

  it('runs lake_export, warehouse_build and warehouse_test after the loads, every day', () => {
    for (const summary of summaries) {
      expect(summary.status, JSON.stringify(summary.tasks)).toBe('succeeded');
      expect(Object.keys(summary.tasks)).toEqual(
        expect.arrayContaining(['lake_export', 'warehouse_build', 'warehouse_test']),
      );
    }
  });

  it('every mart equals what the source database holds', async () => {
    const counts = await withWarehouse((adapter) => expectMartsMatchSource(adapter, database));
    expect(counts.businesses).toBeGreaterThan(100);
    expect(counts.holdings).toBeGreaterThan(counts.businesses);
    const checks = await database.db
      .selectFrom('ops.check_result')
      .select((eb) => ['status', eb.fn.countAll<number>().as('n')])
      .where('check_name', 'like', 'warehouse.%')
      .groupBy('status')
      .execute();
    expect(checks.find((c) => c.status === 'fail')).toBeUndefined();
  });

  it('businesses renamed or re-priced on day 2 have two versions with adjacent validity; untouched ones have one', async () => {
    const [day1, day2, day3] = businessesAfter as [
      (typeof businessesAfter)[0],
      (typeof businessesAfter)[0],
      (typeof businessesAfter)[0],
    ];
    // Changed on day 2 (any attribute), still open and untouched on day 3.
    const changedOnDay2 = [...day2].filter(([id, b]) => {
      const before = day1.get(id);
      return before && !b.closed && before.updated !== b.updated && day3.get(id)?.updated === b.updated;
    });
    const renamedOrRepriced = changedOnDay2.filter(([id, b]) => {
      const before = day1.get(id)!;
      return before.name !== b.name || before.price !== b.price;
    });
    const untouched = [...day3].filter(([id, b]) => day1.get(id)?.updated === b.updated).map(([id]) => id);
    expect(untouched.length).toBeGreaterThan(0);
    expect(renamedOrRepriced.length).toBeGreaterThan(0);
    const versions = await withWarehouse((adapter) =>
      adapter.query<{ id: string; n: number; froms: string; tos: string }>(
        `select yelp_id as id, count(*) as n,
                string_agg(cast(valid_from as varchar), ',' order by valid_from) as froms,
                string_agg(cast(valid_to as varchar), ',' order by valid_from) as tos
         from marts.dim_business group by yelp_id`,
      ),
    );
    const byId = new Map(versions.map((v) => [v.id, v]));
    for (const id of untouched) expect(byId.get(id)?.n, id).toBe(1);
    for (const [id] of changedOnDay2) {
      expect(byId.get(id), id).toMatchObject({
        n: 2,
        froms: `${DAYS[0]},${DAYS[1]}`,
        tos: `${DAYS[1]},9999-12-31`,
      });
    }
  });

  it("day 3's build read only day 3's lake files; a full refresh gives the same tables", async () => {
    expect(String(summaries[2]!.tasks.warehouse_build!.details!.dates)).toBe(DAYS[2]);
    const incremental = await withWarehouse((adapter) => dumpWarehouse(adapter));
    const fresh = await openTempWarehouse();
    try {
      const report = await buildWarehouse(
        { adapter: fresh, store: openObjectStore(settings), cacheDir: tempDir('cache') },
        { runDate: DAYS[2], fullRefresh: true },
      );
      expect(report.land.dates).toEqual([...DAYS]);
      expect(await dumpWarehouse(fresh)).toEqual(incremental);
    } finally {
      await fresh.close();
    }
  });

  /**
   * Then D2, D1 and D3 again through every task (each alone, as Airflow runs them): the older
   * dates change nothing in the source, the lake or the warehouse, D3 again leaves them as the
   * clean D1→D3 run did, and holdings of a never-loaded past date go into the next export of the
   * latest date. These re-runs are about forty task runs, so they run once, on the server when
   * there is one; test/oltp/load-order.test.ts checks the same load rules on both backends.
   */
  const lateBackend = databaseBackends.includes('postgres') ? 'postgres' : 'pglite';
  if (backend === lateBackend)
    describe('then older dates again', () => {
      const LATE = [
        ...selectTasks(dailyGraph(), ['warehouse_test'], true).map((task) => task.name),
        'reconcile',
      ];
      const runLate = async (date: string) => {
        sim.setDate(date);
        const tasks: RunSummary['tasks'] = {};
        for (const name of LATE) {
          const summary = await runGraph({
            graph: [standaloneTask(dailyGraph(), name)],
            runDate: date,
            settings,
            database,
            log: silentLogger,
            executor: 'task',
            attempts: 1,
          });
          expect(summary.status, `${name} ${date}: ${JSON.stringify(summary.tasks)}`).toBe('succeeded');
          Object.assign(tasks, summary.tasks);
        }
        return tasks;
      };
      const state = async () => ({
        // Every source table as it is, updated_at and change_xid included: an older date writes nothing.
        source: Object.fromEntries(
          await Promise.all(
            LAKE_TABLES.map(async ({ name, key }) => [
              name,
              (await sql.raw(`select * from ${name} order by ${key.join(', ')}`).execute(database.db)).rows,
            ]),
          ),
        ),
        lake: await lakeContents(openObjectStore(settings) as FileStore),
        warehouse: await withWarehouse((adapter) => dumpWarehouse(adapter, [...MODEL_SCHEMAS, 'lake'])),
      });

      // Three dates of five tasks each: minutes on a busy machine.
      it('D2 and D1 again change nothing; D3 again leaves the lake and warehouse of the clean run', {
        timeout: 240_000,
      }, async () => {
        const clean = await state();
        for (const date of [DAYS[1], DAYS[0]]) {
          const tasks = await runLate(date);
          expect(tasks.lake_export!.details).toMatchObject({ skipped: `holds ${DAYS[2]}`, pending_rows: 0 });
          expect(tasks.warehouse_build!.details).toMatchObject({ models: 0, dates: '' });
          expect(await state()).toEqual(clean);
        }
        const tasks = await runLate(DAYS[2]);
        expect(tasks.warehouse_build!.details).toMatchObject({ dates: DAYS[2] });
        expect(await state()).toEqual(clean);
      });

      it('holdings of a never-loaded past date wait for the next export, then reach the warehouse once', {
        timeout: 240_000,
      }, async () => {
        const past = '2026-01-04';
        await sql`
        insert into business_holding (business_id, holding_date, rating, review_count)
        select business_id, ${past}::date, rating, review_count from business_holding where holding_date = ${DAYS[0]}
      `.execute(database.db);
        const { rows: counted } = await sql<{ n: string }>`
        select count(*) as n from business_holding where holding_date = ${past}`.execute(database.db);
        const added = Number(counted[0]!.n);
        expect(added).toBeGreaterThan(0);
        const before = await state();
        expect((await runLate(DAYS[0])).lake_export!.details).toMatchObject({ pending_rows: added });
        expect(await state()).toEqual(before);
        await runLate(DAYS[2]);
        const facts = await withWarehouse((adapter) =>
          adapter.query<{ n: number; keyed: number }>(
            `select count(*) as n, count(business_key) as keyed from marts.fct_business_holding where holding_date = date '${past}'`,
          ),
        );
        expect(facts.map((f) => ({ n: Number(f.n), keyed: Number(f.keyed) }))).toEqual([
          { n: added, keyed: added },
        ]);
        // Nothing of the past date is waiting any more.
        expect((await runLate(DAYS[0])).lake_export!.details).toMatchObject({ pending_rows: 0 });
      });
    });
});
