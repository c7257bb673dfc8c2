import { DuckDBInstance } from '@duckdb/node-api';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportLake } from '../../src/lake/export.ts';
import { FileStore } from '../../src/lake/store.ts';
import { createTestDatabase, databaseBackends, type TestDatabase } from '../support/database.ts';
import { tempDir } from '../warehouse/helpers.ts';
import { FIXTURE_DAYS, seedFixture, simulateFixtureDay } from './fixture.ts';

const [D1, D2] = FIXTURE_DAYS;

/** Every business and holding row of the lake with the date of the export that wrote it. */
async function lakeRows(store: FileStore) {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  const read = async (table: string, columns: string) => {
    const keys = (await store.list(`${table}/`)).filter((key) => key.endsWith('.parquet'));
    const files = keys.map((key) => `'${store.root}/${key}'`).join(', ');
    const reader = await conn.runAndReadAll(
      `select ${columns}, cast(dt as varchar) as dt from read_parquet([${files}], hive_partitioning = true) order by all`,
    );
    return reader.getRowObjectsJson() as Record<string, string>[];
  };
  try {
    return {
      business: await read('business', 'yelp_id, name'),
      holding: await read(
        'business_holding',
        'cast(business_id as varchar) as business_id, cast(holding_date as varchar) as day, cast(rating as varchar) as rating',
      ),
    };
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/**
 * Writes committed before, during and after each table's COPY of an export, and one transaction
 * held open across it, each reach the lake exactly once over two exports. On the server only:
 * PGlite has one connection, and its export transaction holds every other query until it ends.
 */
describe.runIf(databaseBackends.includes('postgres'))('lake export snapshot on postgres', () => {
  let database: TestDatabase;
  let writer: pg.Client;
  let held: pg.Client;
  const store = new FileStore(tempDir('lake-snapshot'));

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    await seedFixture(database);
    await simulateFixtureDay(database, 0);
    writer = new pg.Client({ connectionString: database.url });
    held = new pg.Client({ connectionString: database.url });
    await writer.connect();
    await held.connect();
  });
  afterAll(async () => {
    await writer?.end();
    await held?.end();
    await database?.close();
  });

  // An API correction of a business's name, and a load's upsert of a day's holding.
  const rename = (client: pg.Client, yelpId: string, name: string) =>
    client.query('update business set name = $2 where yelp_id = $1', [yelpId, name]);
  const holding = (client: pg.Client, yelpId: string, rating: number) =>
    client.query(
      `insert into business_holding (business_id, holding_date, rating, review_count)
       select business_id, $2::date, $3, 1 from business where yelp_id = $1
       on conflict (business_id, holding_date) do update set rating = excluded.rating`,
      [yelpId, D2, rating],
    );
  const idOf = async (yelpId: string) =>
    String(
      (await writer.query('select business_id from business where yelp_id = $1', [yelpId])).rows[0]
        .business_id,
    );

  it('every committed change reaches the lake exactly once across two exports', async () => {
    // Before the export: committed.
    await rename(writer, 'yelp-1', 'renamed before');
    await holding(writer, 'yelp-1', 1.5);
    // Started before the export, committed in the middle of it (after city, before business).
    await held.query('begin');
    await rename(held, 'yelp-2', 'renamed in a transaction held across the export');
    await holding(held, 'yelp-2', 2.5);

    const copied: string[] = [];
    await exportLake(database, store, D1, {
      afterTable: async (table) => {
        copied.push(table);
        if (table === 'city') {
          // business and business_holding are not copied yet.
          await held.query('commit');
          await rename(writer, 'yelp-3', 'renamed before its COPY');
          await holding(writer, 'yelp-3', 3.5);
        }
        if (table === 'business') {
          // business is copied, business_holding not yet.
          await rename(writer, 'yelp-4', 'renamed after its COPY');
          await holding(writer, 'yelp-4', 4.5);
        }
        if (table === 'business_holding') {
          await rename(writer, 'yelp-5', 'renamed after both COPYs');
          await holding(writer, 'yelp-5', 5.0);
        }
      },
    });
    expect(copied.indexOf('city')).toBeLessThan(copied.indexOf('business'));
    expect(copied.indexOf('business')).toBeLessThan(copied.indexOf('business_holding'));
    // After the export: committed.
    await rename(writer, 'yelp-6', 'renamed after the export');
    await holding(writer, 'yelp-6', 1.0);
    await exportLake(database, store, D2);

    const lake = await lakeRows(store);
    const businessRows = (yelpId: string) =>
      lake.business.filter((row) => row.yelp_id === yelpId).map(({ name, dt }) => ({ name, dt }));
    const holdingRows = async (yelpId: string) => {
      const id = await idOf(yelpId);
      return lake.holding
        .filter((row) => row.business_id === id && row.day === D2)
        .map(({ rating, dt }) => ({ rating, dt }));
    };
    // The first export saw only what was committed before it started; everything else is in the second.
    expect(businessRows('yelp-1')).toEqual([{ name: 'renamed before', dt: D1 }]);
    expect(await holdingRows('yelp-1')).toEqual([{ rating: '1.5', dt: D1 }]);
    expect(businessRows('yelp-2')).toEqual([
      { name: 'Business 2', dt: D1 },
      { name: 'renamed in a transaction held across the export', dt: D2 },
    ]);
    expect(await holdingRows('yelp-2')).toEqual([{ rating: '2.5', dt: D2 }]);
    expect(businessRows('yelp-3')).toEqual([
      { name: 'Business 3', dt: D1 },
      { name: 'renamed before its COPY', dt: D2 },
    ]);
    expect(await holdingRows('yelp-3')).toEqual([{ rating: '3.5', dt: D2 }]);
    expect(businessRows('yelp-4')).toEqual([
      { name: 'Business 4', dt: D1 },
      { name: 'renamed after its COPY', dt: D2 },
    ]);
    expect(await holdingRows('yelp-4')).toEqual([{ rating: '4.5', dt: D2 }]);
    expect(businessRows('yelp-5')).toEqual([
      { name: 'Business 5', dt: D1 },
      { name: 'renamed after both COPYs', dt: D2 },
    ]);
    expect(await holdingRows('yelp-5')).toEqual([{ rating: '5.0', dt: D2 }]);
    expect(businessRows('yelp-6')).toEqual([
      { name: 'Business 6', dt: D1 },
      { name: 'renamed after the export', dt: D2 },
    ]);
    expect(await holdingRows('yelp-6')).toEqual([{ rating: '1.0', dt: D2 }]);
    // Nothing else moved: the second export holds exactly these changes.
    expect(lake.business.filter((row) => row.dt === D2)).toHaveLength(5);
    expect(lake.holding.filter((row) => row.dt === D2)).toHaveLength(5);
    // And the lake's latest version of every row is the source's.
    const { rows: source } = await writer.query('select yelp_id, name from business order by yelp_id');
    const latest = new Map(lake.business.map((row) => [row.yelp_id, row.name]));
    expect(source.map((row) => [row.yelp_id, latest.get(row.yelp_id)])).toEqual(
      source.map((row) => [row.yelp_id, row.name]),
    );
  });
});
