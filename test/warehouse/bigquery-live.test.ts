import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportLake } from '../../src/lake/export.ts';
import { FileStore } from '../../src/lake/store.ts';
import { BigQueryAdapter } from '../../src/warehouse/bigquery.ts';
import { buildWarehouse } from '../../src/warehouse/runner.ts';
import { FIXTURE_DAYS, seedFixture, simulateFixtureDay } from '../lake/fixture.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { openTempWarehouse, tempDir } from './helpers.ts';

// Runs against a real BigQuery dataset only when both are set:
//   GOOGLE_APPLICATION_CREDENTIALS=key.json BIGQUERY_TEST_DATASET=project.dataset npx vitest run test/warehouse/bigquery-live.test.ts
const credentials = process.env.GOOGLE_APPLICATION_CREDENTIALS;
const target = process.env.BIGQUERY_TEST_DATASET;
const live = Boolean(credentials && target);

if (!live) {
  console.log(
    'BigQuery live suite DID NOT RUN: set GOOGLE_APPLICATION_CREDENTIALS and BIGQUERY_TEST_DATASET=project.dataset to run it',
  );
}

describe.runIf(live)('BigQuery warehouse, live', () => {
  let database: TestDatabase;
  let store: FileStore;
  let bigquery: BigQueryAdapter;

  beforeAll(async () => {
    const [project, dataset] = target!.split('.');
    bigquery = await BigQueryAdapter.open(`bigquery://${project}/${dataset}`, {
      bigqueryMaxBytesBilled: 1024 ** 3,
      bigqueryLocation: 'US',
    });
    database = await createTestDatabase('pglite');
    await seedFixture(database);
    store = new FileStore(tempDir('lake'));
  }, 60_000);
  afterAll(async () => {
    await bigquery?.close();
    await database?.close();
  });

  it('builds the fixture days with the same mart row counts as DuckDB', async () => {
    const duck = await openTempWarehouse();
    for (const [day, date] of FIXTURE_DAYS.entries()) {
      await simulateFixtureDay(database, day);
      await exportLake(database, store, date);
      await buildWarehouse({ adapter: duck, store, cacheDir: tempDir('cache') }, { runDate: date });
      await buildWarehouse({ adapter: bigquery, store, cacheDir: tempDir('cache') }, { runDate: date });
    }
    for (const mart of ['dim_business', 'fct_business_holding', 'dim_review', 'rpt_state_per_capita']) {
      const count = `select count(*) as n from `;
      const [a] = await duck.query<{ n: number }>(`${count}${duck.relation('marts', mart)}`);
      const [b] = await bigquery.query<{ n: number }>(`${count}${bigquery.relation('marts', mart)}`);
      expect(Number(b!.n), mart).toBe(a!.n);
    }
    await duck.close();
  }, 900_000);

  it('refuses a statement over the byte limit before running it', async () => {
    const tiny = await BigQueryAdapter.open(bigquery.location, {
      bigqueryMaxBytesBilled: 1,
      bigqueryLocation: 'US',
    });
    await expect(
      tiny.replaceTable(
        tiny.relation('marts', 'guard_probe'),
        `select * from ${tiny.relation('marts', 'dim_date')}`,
      ),
    ).rejects.toThrow(/cost guard: model marts\.guard_probe would process \d+ bytes/);
  });
});
