import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportLake } from '../../src/lake/export.ts';
import { readManifest } from '../../src/lake/manifest.ts';
import { FileStore, type ObjectStore } from '../../src/lake/store.ts';
import { createTestDatabase, databaseBackends, type TestDatabase } from '../support/database.ts';
import { FIXTURE_DAYS, seedFixture, simulateFixtureDay } from './fixture.ts';
import { lakeContents } from './lake-contents.ts';

async function parquetRows(file: string, query = 'select *') {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    const reader = await conn.runAndReadAll(`${query} from read_parquet('${file}')`);
    return { rows: reader.getRowObjectsJson(), types: reader.columnNameAndTypeObjectsJson() };
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** A store that fails after `okPuts` files, like an export killed midway. */
function failingAfter(store: ObjectStore, okPuts: number): ObjectStore {
  let puts = 0;
  return {
    url: store.url,
    putFile: async (key, file) => {
      if (++puts > okPuts) throw new Error('killed');
      await store.putFile(key, file);
    },
    putText: (key, text) => store.putText(key, text),
    getText: (key) => store.getText(key),
    localCopy: (key, dir) => store.localCopy(key, dir),
    list: (prefix) => store.list(prefix),
    delete: (keys) => store.delete(keys),
  };
}

describe.each(databaseBackends)('lake export on %s', (backend) => {
  let database: TestDatabase;
  let store: FileStore;

  beforeAll(async () => {
    database = await createTestDatabase(backend);
    await seedFixture(database);
    store = new FileStore(mkdtempSync(path.join(tmpdir(), 'gourmand-lake-')));
  });
  afterAll(async () => {
    await database?.close();
  });

  it('writes hive-partitioned Parquet with exact types and a manifest', async () => {
    await simulateFixtureDay(database, 0);
    const manifest = await exportLake(database, store, FIXTURE_DAYS[0]);
    expect(manifest.tables.business!.rows).toBe(12);
    expect(manifest.tables.business_holding!.rows).toBe(12);
    expect(manifest.tables.payment_level!.rows).toBe(4);
    expect(await readManifest(store, FIXTURE_DAYS[0])).toEqual(manifest);
    expect(readdirSync(path.join(store.root, 'business'))).toEqual([`dt=${FIXTURE_DAYS[0]}`]);
    const file = await store.localCopy(`business/dt=${FIXTURE_DAYS[0]}/part-0000.parquet`);
    const { rows, types } = await parquetRows(file);
    const typeOf = Object.fromEntries(
      (
        types as {
          columnName: string;
          columnType: { typeId: number; alias?: string; width?: number; scale?: number };
        }[]
      ).map((t) => [t.columnName, t.columnType]),
    );
    expect(typeOf.latitude).toMatchObject({ width: 9, scale: 6 });
    const { rows: typed } = await parquetRows(
      file,
      'select typeof(first_seen) d, typeof(updated_at) t, typeof(latitude) n, typeof(is_closed) b, typeof(distance_m) f',
    );
    expect(typed[0]).toEqual({
      d: 'DATE',
      t: 'TIMESTAMP WITH TIME ZONE',
      n: 'DECIMAL(9,6)',
      b: 'BOOLEAN',
      f: 'DOUBLE',
    });
    expect(rows[0]).toMatchObject({
      yelp_id: 'yelp-1',
      first_seen: FIXTURE_DAYS[0],
      latitude: '38.501000',
      address2: null,
    });
    const review = await parquetRows(await store.localCopy(`review/dt=${FIXTURE_DAYS[0]}/part-0000.parquet`));
    expect(review.rows[0]).toMatchObject({ text: 'Review 0, with "quotes", commas and\na newline' });
  });

  it('exports only rows changed since the last watermark, and a re-export replaces the date', async () => {
    await simulateFixtureDay(database, 1);
    const day2 = await exportLake(database, store, FIXTURE_DAYS[1]);
    expect(day2.tables.business!.rows).toBe(1);
    expect(day2.tables.business_holding!.rows).toBe(12);
    expect(day2.tables.business_category_bridge!.rows).toBe(1);
    expect(day2.tables.country!.rows).toBe(0);
    expect(day2.tables.payment_level!.rows).toBe(4);
    expect(day2.tables.business!.low).toBe(
      (await readManifest(store, FIXTURE_DAYS[0]))!.tables.business!.high,
    );
    const before = await lakeContents(store);
    const again = await exportLake(database, store, FIXTURE_DAYS[1]);
    expect(again.tables.business!.low).toBe(day2.tables.business!.low);
    expect(await lakeContents(store)).toEqual(before);
    const rows = await database.db
      .selectFrom('ops.lake_watermark')
      .select(['table_name', 'rows'])
      .where('extract_date', '=', FIXTURE_DAYS[1])
      .where('table_name', '=', 'business')
      .execute();
    expect(rows).toEqual([{ table_name: 'business', rows: 1 }]);
  });

  it('exports nothing for a date older than the latest export, and counts what waits for the next', async () => {
    const before = await lakeContents(store);
    expect((await exportLake(database, store, FIXTURE_DAYS[0])).skipped).toEqual({
      latest: FIXTURE_DAYS[1],
      pendingRows: 0,
    });
    // A late holding of the older date: not lost, and not written to the older partition.
    await sql`update business_holding set rating = 1 where holding_date = ${FIXTURE_DAYS[0]} and business_id = (select min(business_id) from business)`.execute(
      database.db,
    );
    expect((await exportLake(database, store, FIXTURE_DAYS[0])).skipped).toEqual({
      latest: FIXTURE_DAYS[1],
      pendingRows: 1,
    });
    expect(await lakeContents(store)).toEqual(before);
  });

  it('an export killed midway, then re-run, leaves the same files as an undisturbed one', async () => {
    await simulateFixtureDay(database, 2);
    const undisturbed = new FileStore(mkdtempSync(path.join(tmpdir(), 'gourmand-lake-')));
    await exportLake(database, undisturbed, FIXTURE_DAYS[2]);
    // Forget that export, so the next two runs start from the same watermark.
    await database.db.deleteFrom('ops.lake_watermark').where('extract_date', '=', FIXTURE_DAYS[2]).execute();
    await expect(exportLake(database, failingAfter(store, 5), FIXTURE_DAYS[2])).rejects.toThrow('killed');
    const watermarks = await database.db
      .selectFrom('ops.lake_watermark')
      .select('table_name')
      .where('extract_date', '=', FIXTURE_DAYS[2])
      .execute();
    expect(watermarks).toEqual([]);
    expect(await readManifest(store, FIXTURE_DAYS[2])).toBeUndefined();
    await exportLake(database, store, FIXTURE_DAYS[2]);
    const day3 = Object.entries(await lakeContents(store)).filter(([key]) => key.includes(FIXTURE_DAYS[2]));
    expect(Object.fromEntries(day3)).toEqual(await lakeContents(undisturbed));
    expect((await store.list('')).some((key) => key.includes('.tmp-'))).toBe(false);
  });
});

describe.each(databaseBackends)('lake export of a table bigger than a file on %s', (backend) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(backend);
    await seedFixture(database, { businesses: 250 });
    await simulateFixtureDay(database, 0);
  });
  afterAll(async () => {
    await database?.close();
  });

  const businessFiles = async (store: FileStore) =>
    Object.entries(await lakeContents(store))
      .filter(([key]) => key.startsWith('business/'))
      .sort(([a], [b]) => a.localeCompare(b));

  it('splits it into key ranges whose files hold every row once, in key order; a failed chunk fails the export', async () => {
    const whole = new FileStore(mkdtempSync(path.join(tmpdir(), 'gourmand-lake-')));
    await exportLake(database, whole, FIXTURE_DAYS[0], { tables: ['business'] });
    const [single] = await businessFiles(whole);
    const allRows = JSON.parse(single![1]) as { business_id: number }[];
    expect(allRows).toHaveLength(250);

    const split = new FileStore(mkdtempSync(path.join(tmpdir(), 'gourmand-lake-')));
    await database.db.deleteFrom('ops.lake_watermark').execute();
    const manifest = await exportLake(database, split, FIXTURE_DAYS[0], {
      tables: ['business'],
      chunkRows: 40,
    });
    const files = await businessFiles(split);
    // 250 dense ids in ranges of ceil(250 / 7) = 36: six files of 36 and one of 34.
    expect(files.map(([key]) => key)).toEqual(
      Array.from({ length: 7 }, (_, i) => `business/dt=${FIXTURE_DAYS[0]}/part-000${i}.parquet`),
    );
    const pieces = files.map(([, rows]) => JSON.parse(rows) as { business_id: number }[]);
    expect(pieces.map((p) => p.length)).toEqual([36, 36, 36, 36, 36, 36, 34]);
    expect(pieces.flat()).toEqual(allRows);
    expect(manifest.tables.business!.files.map((f) => f.rows)).toEqual([36, 36, 36, 36, 36, 36, 34]);

    await database.db.deleteFrom('ops.lake_watermark').execute();
    const broken = new FileStore(mkdtempSync(path.join(tmpdir(), 'gourmand-lake-')));
    await expect(
      exportLake(database, failingAfter(broken, 3), FIXTURE_DAYS[0], { tables: ['business'], chunkRows: 40 }),
    ).rejects.toThrow('killed');
    expect(await readManifest(broken, FIXTURE_DAYS[0])).toBeUndefined();
    expect(await database.db.selectFrom('ops.lake_watermark').selectAll().execute()).toEqual([]);
  });
});
