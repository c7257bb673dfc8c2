import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbAdapter } from '../../src/warehouse/duckdb.ts';
import { FIXTURE_DAYS, seedFixture, simulateFixtureDay } from '../lake/fixture.ts';
import { startS3, type TestS3 } from '../lake/s3.ts';
import { gourmand } from '../support/cli.ts';
import { openMigratedPglite } from '../support/database.ts';
import { ALL_SCHEMAS, dumpWarehouse, tempDir } from './helpers.ts';

/** The lake and warehouse commands through the real CLI, on a PGlite state folder and an S3 lake. */
describe('gourmand lake and warehouse commands', () => {
  let s3: TestS3;
  let env: Record<string, string>;
  let stateDir: string;

  beforeAll(async () => {
    s3 = await startS3();
    stateDir = tempDir('cli');
    const database = await openMigratedPglite(path.join(stateDir, 'pglite'));
    await seedFixture(database);
    await simulateFixtureDay(database, 0);
    await database.close();
    env = {
      GOURMAND_STATE_DIR: stateDir,
      LAKE_URL: 's3://lake/cli',
      S3_ENDPOINT: s3.endpoint,
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      DATABASE_URL: '',
    };
  });
  afterAll(async () => {
    await s3?.close();
  });

  it('exports to S3, builds the warehouse from it and runs the data tests', async () => {
    const date = FIXTURE_DAYS[0];
    const exported = await gourmand(['lake', 'export', '--date', date], env);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toMatch(/business\s+12\s+1/);
    expect(await s3.store('cli').list('business/')).toEqual([`business/dt=${date}/part-0000.parquet`]);

    const ls = await gourmand(['lake', 'ls'], env);
    expect(ls.stdout.trim()).toBe(date);

    const built = await gourmand(['warehouse', 'build', '--date', date], env);
    expect(built.code, built.stderr).toBe(0);
    expect(built.stdout).toMatch(/fct_business_holding\s+incremental\s+full\s+12/);

    const tested = await gourmand(['warehouse', 'test', '--date', date], env);
    expect(tested.code, tested.stdout + tested.stderr).toBe(0);
    expect(tested.stdout).toMatch(/test\(s\): 0 failed/);

    const instance = await DuckDBInstance.create(path.join(stateDir, 'warehouse.duckdb'));
    const conn = await instance.connect();
    try {
      const reader = await conn.runAndReadAll('select count(*)::int as n from marts.fct_business_holding');
      expect(reader.getRowObjectsJS()).toEqual([{ n: 12 }]);
    } finally {
      conn.closeSync();
      instance.closeSync();
    }
    // Four CLI processes, each starting PGlite or DuckDB: past the default timeout on a busy machine.
  }, 180_000);

  it('a flipped byte in an S3 lake file: lake verify and warehouse build --full-refresh fail naming it, and the warehouse is unchanged', async () => {
    const date = FIXTURE_DAYS[0];
    const key = `business/dt=${date}/part-0000.parquet`;
    const lake = s3.store('cli');
    const dir = tempDir('flip');
    const original = readFileSync(await lake.localCopy(key, dir));
    const flipped = Buffer.from(original);
    flipped[flipped.length >> 1] = flipped[flipped.length >> 1]! ^ 0xff;
    writeFileSync(path.join(dir, 'flipped.parquet'), flipped);
    writeFileSync(path.join(dir, 'original.parquet'), original);
    expect((await gourmand(['lake', 'verify'], env)).code).toBe(0);
    const warehouseFile = path.join(stateDir, 'warehouse.duckdb');
    const dump = async () => {
      const adapter = await DuckDbAdapter.open(warehouseFile);
      try {
        return await dumpWarehouse(adapter, ALL_SCHEMAS);
      } finally {
        await adapter.close();
      }
    };
    const before = await dump();
    await lake.putFile(key, path.join(dir, 'flipped.parquet'));
    try {
      const verify = await gourmand(['lake', 'verify', '--date', date], env);
      expect(verify.code).toBe(1);
      expect(verify.stdout).toContain(
        `FAIL ${key}: Lake file ${key} in s3://lake/cli does not match its SHA-256`,
      );
      // A cached copy that matches its checksum is the right content and would be used: drop it.
      rmSync(path.join(stateDir, 'lake-cache'), { recursive: true, force: true });
      const build = await gourmand(['warehouse', 'build', '--date', date, '--full-refresh'], env);
      expect(build.code).toBe(1);
      expect(build.stderr).toContain(`Lake file ${key} in s3://lake/cli does not match its SHA-256`);
      expect(await dump()).toEqual(before);
    } finally {
      await lake.putFile(key, path.join(dir, 'original.parquet'));
    }
    expect((await gourmand(['lake', 'verify'], env)).code).toBe(0);
  }, 180_000);

  it('prints the lineage, and refuses a BigQuery URL without a dataset with a clear error', async () => {
    const graph = await gourmand(['warehouse', 'graph'], env);
    expect(graph.code).toBe(0);
    expect(graph.stdout).toContain(
      'marts.fct_business_holding (incremental) <- stg_business_holding, dim_business',
    );
    const bigquery = await gourmand(['warehouse', 'build', '--date', FIXTURE_DAYS[0]], {
      ...env,
      WAREHOUSE_URL: 'bigquery://project/',
    });
    expect(bigquery.code).toBe(2);
    expect(bigquery.stderr).toMatch(
      /Invalid WAREHOUSE_URL "bigquery:\/\/project\/": expected bigquery:\/\/project\/dataset/,
    );
  });
});
