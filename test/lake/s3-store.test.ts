import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportLake } from '../../src/lake/export.ts';
import { listExportDates, readManifest } from '../../src/lake/manifest.ts';
import { FileStore, type ObjectStore } from '../../src/lake/store.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { FIXTURE_DAYS, seedFixture, simulateFixtureDay } from './fixture.ts';
import { lakeContents } from './lake-contents.ts';
import { startS3, type TestS3 } from './s3.ts';

describe('lake on an S3-compatible server', () => {
  let s3: TestS3;
  let database: TestDatabase;
  let store: ObjectStore;

  beforeAll(async () => {
    s3 = await startS3();
    store = s3.store('gourmand/lake');
    database = await createTestDatabase('pglite');
    await seedFixture(database);
    await simulateFixtureDay(database, 0);
  });
  afterAll(async () => {
    await database?.close();
    await s3?.close();
  });

  it('puts, lists, reads and deletes objects under the prefix', async () => {
    await store.putText('a/one.txt', 'one');
    await store.putText('a/two.txt', 'two');
    expect(await store.list('a/')).toEqual(['a/one.txt', 'a/two.txt']);
    expect(await store.getText('a/one.txt')).toBe('one');
    expect(await store.getText('a/none.txt')).toBeUndefined();
    await store.delete(['a/one.txt', 'a/two.txt']);
    expect(await store.list('a/')).toEqual([]);
  });

  it('exports the same partitions and manifest as the file lake, and re-exports without duplicates', async () => {
    const manifest = await exportLake(database, store, FIXTURE_DAYS[0]);
    expect(await readManifest(store, FIXTURE_DAYS[0])).toEqual(manifest);
    expect(await listExportDates(store)).toEqual([FIXTURE_DAYS[0]]);
    const keys = await store.list('business/');
    expect(keys).toEqual([`business/dt=${FIXTURE_DAYS[0]}/part-0000.parquet`]);
    // Download every object and compare with the rows the same export range gives on disk.
    const cache = mkdtempSync(path.join(tmpdir(), 'gourmand-s3cache-'));
    const local = new FileStore(cache);
    for (const key of await store.list(''))
      await local.putFile(key, await store.localCopy(key, mkdtempSync(path.join(tmpdir(), 'c-'))));
    const first = await lakeContents(local);
    expect(Object.keys(first)).toHaveLength(16);
    await database.db.deleteFrom('ops.lake_watermark').execute();
    await exportLake(database, store, FIXTURE_DAYS[0]);
    expect(await store.list('business/')).toEqual(keys);
    const again = new FileStore(mkdtempSync(path.join(tmpdir(), 'gourmand-s3cache-')));
    for (const key of await store.list(''))
      await again.putFile(key, await store.localCopy(key, mkdtempSync(path.join(tmpdir(), 'c-'))));
    expect(await lakeContents(again)).toEqual(first);
  });
});
