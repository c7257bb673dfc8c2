import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportLake } from '../../src/lake/export.ts';
import { manifestKey, readManifest, renderManifest, verifyLake } from '../../src/lake/manifest.ts';
import { FileStore } from '../../src/lake/store.ts';
import { runDataTests } from '../../src/warehouse/data-tests.ts';
import type { DuckDbAdapter } from '../../src/warehouse/duckdb.ts';
import { type BuildReport, buildWarehouse } from '../../src/warehouse/runner.ts';
import { FIXTURE_DAYS, seedFixture, simulateFixtureDay } from '../lake/fixture.ts';
import { createTestDatabase, databaseBackends, type TestDatabase } from '../support/database.ts';
import {
  ALL_SCHEMAS,
  appendToPartition,
  dumpWarehouse,
  expectMartsMatchSource,
  openTempWarehouse,
  tempDir,
} from './helpers.ts';

// The warehouse is the subject here, so one source backend (the server's when there is one): the
// export from each backend is lake/export.test.ts's, the whole path on each is pipeline.test.ts's.
const backend = databaseBackends.at(-1)!;

describe(`warehouse build over the fixture (${backend})`, () => {
  let database: TestDatabase;
  let store: FileStore;
  let warehouse: DuckDbAdapter;
  const reports: BuildReport[] = [];

  const build = (
    adapter: DuckDbAdapter,
    runDate: string,
    options: { fullRefresh?: boolean; select?: string[] } = {},
  ) => buildWarehouse({ adapter, store, cacheDir: tempDir('cache') }, { runDate, ...options });

  beforeAll(async () => {
    database = await createTestDatabase(backend);
    await seedFixture(database);
    store = new FileStore(tempDir('lake'));
    warehouse = await openTempWarehouse();
    for (const [day, date] of FIXTURE_DAYS.entries()) {
      await simulateFixtureDay(database, day);
      await exportLake(database, store, date);
      reports.push(await build(warehouse, date));
    }
  });
  afterAll(async () => {
    await warehouse?.close();
    await database?.close();
  });

  it('every mart equals the source database after days 1–3', async () => {
    const counts = await expectMartsMatchSource(warehouse, database);
    expect(counts).toMatchObject({ businesses: 13, holdings: 12 * 2 + 13, reviews: 6 });
  });

  it('a business renamed and re-priced on day 2 has two versions; unchanged ones have one', async () => {
    const versions = await warehouse.query<{
      yelp_id: string;
      name: string;
      symbol: string;
      from: string;
      to: string;
      cur: boolean;
    }>(
      `select yelp_id, business_name as name, payment_level_symbol as symbol, cast(valid_from as varchar) as "from",
              cast(valid_to as varchar) as "to", is_current as cur
       from marts.dim_business where yelp_id in ('yelp-1', 'yelp-3') order by yelp_id, valid_from`,
    );
    expect(versions).toEqual([
      {
        yelp_id: 'yelp-1',
        name: 'Business 1',
        symbol: '$$',
        from: FIXTURE_DAYS[0],
        to: FIXTURE_DAYS[1],
        cur: false,
      },
      {
        yelp_id: 'yelp-1',
        name: 'Business 1 Renamed',
        symbol: '$$$$',
        from: FIXTURE_DAYS[1],
        to: '9999-12-31',
        cur: true,
      },
      {
        yelp_id: 'yelp-3',
        name: 'Business 3',
        symbol: '$$$$',
        from: FIXTURE_DAYS[0],
        to: '9999-12-31',
        cur: true,
      },
    ]);
    const counts = await warehouse.query<{ n: number; businesses: number }>(
      'select count(*) as n, count(distinct business_id) as businesses from snapshots.snap_business',
    );
    expect(counts).toEqual([{ n: 14, businesses: 13 }]);
    // Each holding points at the version valid on its date.
    const holdings = await warehouse.query<{ d: string; name: string }>(
      `select cast(f.holding_date as varchar) as d, b.business_name as name from marts.fct_business_holding f
       join marts.dim_business b on b.business_key = f.business_key where b.yelp_id = 'yelp-1' order by 1`,
    );
    expect(holdings.map((h) => h.name)).toEqual(['Business 1', 'Business 1 Renamed', 'Business 1 Renamed']);
    // The category link ended on day 2 is closed out, not current.
    const link = await warehouse.query<{ to: string; cur: boolean }>(
      `select cast(l.valid_to as varchar) as "to", l.is_current as cur from marts.dim_business_category_bridge l
       join marts.dim_business b on b.business_id = l.business_id and b.is_current where b.yelp_id = 'yelp-2'`,
    );
    expect(link).toEqual([{ to: FIXTURE_DAYS[1], cur: false }]);
  });

  it("day 3's build read only day 3's partitions and merged only day 3's fact rows; --full-refresh gives the same tables", async () => {
    const day3 = reports[2]!;
    expect(day3.land.dates).toEqual([FIXTURE_DAYS[2]]);
    expect(day3.land.filesRead.length).toBeGreaterThan(0);
    expect(day3.land.filesRead.every((key) => key.includes(`/dt=${FIXTURE_DAYS[2]}/`))).toBe(true);
    const fact = day3.models.find((m) => m.name === 'fct_business_holding')!;
    expect(fact).toMatchObject({ mode: 'incremental', rows: 13 });
    const snap = day3.models.find((m) => m.name === 'snap_business')!;
    expect(snap).toMatchObject({ mode: 'incremental', rows: 1 });
    const gained = await warehouse.query<{ d: string; n: number; gained: number }>(
      `select cast(holding_date as varchar) as d, count(reviews_gained) as n, sum(reviews_gained)::bigint as gained
       from marts.fct_business_holding group by 1 order by 1`,
    );
    // Day 1 has no previous day; day 3's gains come from day 2's rows already in the table.
    expect(gained.map((g) => g.n)).toEqual([0, 12, 12]);
    expect(gained[2]!.gained).toBe(gained[1]!.gained);

    const incremental = await dumpWarehouse(warehouse);
    const fresh = await openTempWarehouse();
    try {
      const report = await build(fresh, FIXTURE_DAYS[2], { fullRefresh: true });
      expect(report.land.dates).toEqual([...FIXTURE_DAYS]);
      expect(await dumpWarehouse(fresh)).toEqual(incremental);
      // And a full refresh of the incremental warehouse itself too.
      await build(warehouse, FIXTURE_DAYS[2], { fullRefresh: true });
      expect(await dumpWarehouse(warehouse)).toEqual(incremental);
    } finally {
      await fresh.close();
    }
  });

  it("a day whose build skipped the facts and snapshots is caught up by the next day's build", async () => {
    const expected = await dumpWarehouse(warehouse);
    const other = await openTempWarehouse();
    try {
      await build(other, FIXTURE_DAYS[0]);
      // Day 2 lands its partitions but builds only dim_date (as if the build died after landing).
      await build(other, FIXTURE_DAYS[1], { select: ['dim_date'] });
      const day3 = await build(other, FIXTURE_DAYS[2]);
      expect(day3.land.dates).toEqual([FIXTURE_DAYS[2]]);
      expect(day3.models.find((m) => m.name === 'fct_business_holding')).toMatchObject({ rows: 12 + 13 });
      expect(await dumpWarehouse(other)).toEqual(expected);
    } finally {
      await other.close();
    }
  });

  it('an earlier date whose manifest changed is landed again and asks for a full refresh of the snapshots', async () => {
    // A copy of the lake, so the other tests keep theirs.
    const copy = new FileStore(tempDir('lake-copy'));
    cpSync(store.root, copy.root, { recursive: true });
    const other = await openTempWarehouse();
    const buildOther = (runDate: string, fullRefresh = false) =>
      buildWarehouse({ adapter: other, store: copy, cacheDir: tempDir('cache') }, { runDate, fullRefresh });
    try {
      for (const date of FIXTURE_DAYS) await buildOther(date);
      const expected = await dumpWarehouse(other);
      const untouched = await dumpWarehouse(other, ALL_SCHEMAS);
      // What a re-export of day 2 looks like to the warehouse: a new manifest for the date.
      const original = (await copy.getText(manifestKey(FIXTURE_DAYS[1])))!;
      const manifest = (await readManifest(copy, FIXTURE_DAYS[1]))!;
      const reexported = renderManifest({ ...manifest, exportedAt: new Date().toISOString() });
      await copy.putText(manifestKey(FIXTURE_DAYS[1]), reexported);
      // Refused before anything changed, for the latest date and for the older one alike.
      for (const date of [FIXTURE_DAYS[2], FIXTURE_DAYS[1]]) {
        await expect(buildOther(date)).rejects.toThrow(/new exports of 2026-03-02.*--full-refresh/);
        expect(await dumpWarehouse(other, ALL_SCHEMAS)).toEqual(untouched);
      }
      // The refusals left nothing behind: with the old manifest back, the daily build works.
      await copy.putText(manifestKey(FIXTURE_DAYS[1]), original);
      await buildOther(FIXTURE_DAYS[2]);
      expect(await dumpWarehouse(other)).toEqual(expected);
      await copy.putText(manifestKey(FIXTURE_DAYS[1]), reexported);
      const report = await buildOther(FIXTURE_DAYS[2], true);
      expect(report.land.dates).toEqual([...FIXTURE_DAYS]);
      const after = await dumpWarehouse(other);
      expect(Object.keys(after).filter((k) => after[k] !== expected[k])).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it('a build of an older date with nothing new in the lake changes nothing', async () => {
    const before = await dumpWarehouse(warehouse, ALL_SCHEMAS);
    const report = await build(warehouse, FIXTURE_DAYS[0]);
    expect(report).toMatchObject({ upToDate: FIXTURE_DAYS[2], models: [], land: { dates: [] } });
    expect(await dumpWarehouse(warehouse, ALL_SCHEMAS)).toEqual(before);
  });

  it('a flipped byte in any lake file of an older date fails a full refresh naming the file, and changes nothing', async () => {
    const before = await dumpWarehouse(warehouse, ALL_SCHEMAS);
    const keys = (await store.list('')).filter((key) => key.includes(`dt=${FIXTURE_DAYS[0]}`));
    expect(keys.length).toBe(17);
    for (const key of keys) {
      const file = path.join(store.root, ...key.split('/'));
      const bytes = readFileSync(file);
      const flipped = Buffer.from(bytes);
      const at = Math.floor(bytes.length / 2);
      flipped[at] = flipped[at]! ^ (key.endsWith('.json') ? 0x20 : 0xff);
      writeFileSync(file, flipped);
      try {
        await expect(build(warehouse, FIXTURE_DAYS[2], { fullRefresh: true }), key).rejects.toThrow(key);
        const report = await verifyLake(store, { cacheDir: tempDir('verify') });
        expect(report.problems.map((p) => p.key)).toEqual([key]);
      } finally {
        writeFileSync(file, bytes);
      }
    }
    expect(await dumpWarehouse(warehouse, ALL_SCHEMAS)).toEqual(before);
    expect((await verifyLake(store, { cacheDir: tempDir('verify') })).problems).toEqual([]);
  });

  it('--select model+ builds the model and what depends on it', async () => {
    const report = await build(warehouse, FIXTURE_DAYS[2], { select: ['dim_user+'] });
    expect(report.models.map((m) => m.name).sort()).toEqual([
      'dim_review',
      'dim_user',
      'int_county_activity',
      'rpt_county_per_capita',
      'rpt_overview',
      'rpt_state_per_capita',
    ]);
  });

  it('a build interrupted midway, then re-run, gives the same tables as an undisturbed one', async () => {
    const undisturbed = await dumpWarehouse(warehouse);
    const controller = new AbortController();
    let built = 0;
    // Re-running the same date: the interrupted build has already replaced part of the tables.
    await expect(
      buildWarehouse(
        { adapter: warehouse, store, cacheDir: tempDir('cache') },
        {
          runDate: FIXTURE_DAYS[2],
          signal: controller.signal,
          onModelBuilt: () => {
            if (++built === 20) controller.abort();
          },
        },
      ),
    ).rejects.toThrow();
    await build(warehouse, FIXTURE_DAYS[2]);
    expect(await dumpWarehouse(warehouse)).toEqual(undisturbed);
  });

  it('a duplicate key injected into the lake fails the unique test, stores the row and logs a failed check', async () => {
    const clean = await runDataTests(warehouse, database.db, { runDate: FIXTURE_DAYS[2] });
    expect(clean.filter((r) => r.status === 'fail')).toEqual([]);
    expect(clean.length).toBeGreaterThan(40);

    // Append a copy of one business row to day 3's partition file.
    await appendToPartition(
      warehouse,
      store,
      'business',
      FIXTURE_DAYS[2],
      (file) => `select * from ${file} limit 1`,
    );
    await build(warehouse, FIXTURE_DAYS[2]);
    const results = await runDataTests(warehouse, database.db, { runDate: FIXTURE_DAYS[2], runId: null });
    const failed = results.filter((r) => r.status === 'fail');
    expect(failed.map((r) => r.name)).toContain('lake_business__unique__business_id_dt');
    const stored = await warehouse.query<{ business_id: number; occurrences: number }>(
      'select business_id, occurrences from test_failures.lake_business__unique__business_id_dt',
    );
    expect(stored).toHaveLength(1);
    expect(stored[0]!.occurrences).toBe(2);
    const check = await database.db
      .selectFrom('ops.check_result')
      .select(['status', 'severity', 'actual', 'entity'])
      .where('check_name', '=', 'warehouse.unique.lake_business__unique__business_id_dt')
      .where('status', '=', 'fail')
      .execute();
    expect(check).toEqual([{ status: 'fail', severity: 'error', actual: 1, entity: 'lake.business' }]);
  });
});
