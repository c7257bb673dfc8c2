import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.ts';
import { MemoryCache } from '../../src/api/cache/memory.ts';
import { silentLogger } from '../../src/common/logger.ts';
import { exportLake } from '../../src/lake/export.ts';
import { FileStore } from '../../src/lake/store.ts';
import { createWorld } from '../../src/simulator/index.ts';
import type { DuckDbAdapter } from '../../src/warehouse/duckdb.ts';
import { buildWarehouse } from '../../src/warehouse/runner.ts';
import { JWT_SECRET, type Session, signUp } from '../api/support.ts';
import { lakeContents } from '../lake/lake-contents.ts';
import { loadWorldDay } from '../oltp/world-load.ts';
import { createTestDatabase, databaseBackends, type TestDatabase } from '../support/database.ts';
import { testSettings } from '../support/settings.ts';
import { openTempWarehouse, tempDir } from '../warehouse/helpers.ts';
import { rows } from './truth.ts';

const DAYS = ['2026-01-05', '2026-01-06', '2026-01-07', '2026-01-08'] as const;
const world = createWorld({ businesses: 300, seed: 11 });
// Each date's open businesses, read once: world.truth builds the whole day afresh (asked once per
// business and date, it took most of this file's time).
const openOn = DAYS.map((date) => new Set(world.truth(date).businesses.map((b) => b.id)));
const today = () => new Date().toISOString().slice(0, 10);

describe.each(databaseBackends)('admin corrections across daily loads (%s)', (backend) => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let admin: Session;
  let store: FileStore;
  let warehouse: DuckDbAdapter;
  // Two businesses open on every day: one renamed, one closed by an admin.
  const [renamed, closed] = world
    .truth(DAYS[0])
    .businesses.map((b) => b.id)
    .filter((id) => openOn.every((open) => open.has(id)));
  const sourceName = (date: string, id: string) =>
    world.truth(date).businesses.find((b) => b.id === id)!.name;

  /** The daily pipeline from load to warehouse, for one date. */
  async function daily(date: string) {
    await loadWorldDay(database, world, date);
    await exportLake(database, store, date);
    await buildWarehouse({ adapter: warehouse, store, cacheDir: tempDir('cache') }, { runDate: date });
  }
  const idOf = async (yelpId: string) =>
    (
      await rows<{ id: number }>(
        database,
        `select business_id as id from business where yelp_id = '${yelpId}'`,
      )
    )[0]!.id;
  const get = async (url: string) => (await app.inject({ method: 'GET', url })).json();
  const call = (method: 'PATCH' | 'DELETE', url: string, payload?: object) =>
    app.inject({ method, url, payload, headers: admin.auth });
  /**
   * The latest version of a business in the lake, and in the warehouse's dim_business (where a
   * closure, by the source or an admin, ends the current version).
   */
  async function exported(yelpId: string) {
    const lake = Object.entries(await lakeContents(store))
      .filter(([key]) => key.startsWith('business/'))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .flatMap(([, json]) => JSON.parse(json) as { yelp_id: string; name: string; is_closed: boolean }[])
      .filter((row) => row.yelp_id === yelpId)
      .at(-1)!;
    const [mart] = await warehouse.query<{ name: string; is_current: boolean }>(
      `select business_name as name, is_current from marts.dim_business
       where yelp_id = '${yelpId}' order by valid_from desc limit 1`,
    );
    return {
      lake: { name: lake.name, isClosed: lake.is_closed },
      warehouse: { name: mart!.name, isCurrent: mart!.is_current },
    };
  }

  beforeAll(async () => {
    database = await createTestDatabase(backend);
    store = new FileStore(tempDir('lake'));
    warehouse = await openTempWarehouse();
    const settings = testSettings({
      JWT_SECRET,
      GOURMAND_DEV: 'true',
      API_RATE_LIMIT: '100000',
      API_LOGIN_RATE_LIMIT: '100000',
    });
    app = await buildApp({ settings, database, cache: new MemoryCache(), log: silentLogger });
    await app.ready();
    admin = await signUp({ app, database }, { role: 'admin' });
    await daily(DAYS[0]);
  });
  afterAll(async () => {
    await app?.close();
    await warehouse?.close();
    await database?.close();
  });

  it('a correction survives two daily loads in the API, the lake and the warehouse, and goes when removed', async () => {
    const renamedId = await idOf(renamed!);
    const closedId = await idOf(closed!);
    expect(
      (await call('PATCH', `/businesses/${renamedId}`, { name: 'Corrected Name', reason: 'owner called' }))
        .statusCode,
    ).toBe(200);
    expect(
      (await call('PATCH', `/businesses/${closedId}`, { isClosed: true, reason: 'closed for good' }))
        .statusCode,
    ).toBe(200);
    expect((await get(`/businesses/${closedId}`)).validTo).toBe(today());

    for (const date of DAYS.slice(1, 3)) await daily(date);

    // The load kept the source's own values beside the corrections.
    expect(await rows(database, `select name from business where business_id = ${renamedId}`)).toEqual([
      { name: sourceName(DAYS[2], renamed!) },
    ]);
    expect(await get(`/businesses/${renamedId}`)).toMatchObject({ name: 'Corrected Name' });
    expect(await get(`/businesses/${closedId}`)).toMatchObject({ isClosed: true, validTo: today() });
    const listed = async (id: number) =>
      (
        await get(
          `/businesses?sort=id&limit=100&q=${encodeURIComponent((await get(`/businesses/${id}`)).name)}`,
        )
      ).items.some((b: { id: number }) => b.id === id);
    expect(await listed(renamedId)).toBe(true);
    expect(await listed(closedId)).toBe(false);
    expect(await exported(renamed!)).toEqual({
      lake: { name: 'Corrected Name', isClosed: false },
      warehouse: { name: 'Corrected Name', isCurrent: true },
    });
    expect((await exported(closed!)).lake.isClosed).toBe(true);
    expect((await exported(closed!)).warehouse.isCurrent).toBe(false);
    const overrides = (
      await app.inject({ method: 'GET', url: `/businesses/${renamedId}/overrides`, headers: admin.auth })
    ).json();
    expect(overrides.items).toMatchObject([
      { field: 'name', value: 'Corrected Name', reason: 'owner called', by: admin.email },
    ]);

    // Removed: the source values are back at once in the API, and after the next day in the lake and warehouse.
    expect((await call('DELETE', `/businesses/${renamedId}/overrides/name`)).json().name).toBe(
      sourceName(DAYS[2], renamed!),
    );
    expect((await call('DELETE', `/businesses/${closedId}/overrides/isClosed`)).json()).toMatchObject({
      isClosed: false,
      validTo: null,
    });
    expect((await call('DELETE', `/businesses/${closedId}/overrides/isClosed`)).statusCode).toBe(404);
    expect(await listed(closedId)).toBe(true);
    await daily(DAYS[3]);
    expect(await exported(renamed!)).toEqual({
      lake: { name: sourceName(DAYS[3], renamed!), isClosed: false },
      warehouse: { name: sourceName(DAYS[3], renamed!), isCurrent: true },
    });
    expect(await exported(closed!)).toMatchObject({
      lake: { isClosed: false },
      warehouse: { isCurrent: true },
    });
    expect(
      await rows(
        database,
        `select action, entity_id from ops.audit_log where entity = 'business' order by audit_id`,
      ),
    ).toEqual([
      { action: 'correct', entity_id: String(renamedId) },
      { action: 'correct', entity_id: String(closedId) },
      { action: 'restore', entity_id: String(renamedId) },
      { action: 'restore', entity_id: String(closedId) },
    ]);
  });
});
