import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cdcLakeStore, materializeCdcLake } from '../../src/cdc/lake.ts';
import { CDC_TABLES, CdcStream, ensureReplication } from '../../src/cdc/stream.ts';
import { exportLake } from '../../src/lake/export.ts';
import { FileStore } from '../../src/lake/store.ts';
import { LAKE_TABLES, sourceOf } from '../../src/lake/tables.ts';
import { pipelineMetrics } from '../../src/quality/metrics.ts';
import { buildWarehouse } from '../../src/warehouse/runner.ts';
import { type ApiContext, openApi, signUp } from '../api/support.ts';
import { FIXTURE_DAYS, seedFixture, simulateFixtureDay } from '../lake/fixture.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { openTempWarehouse, tempDir } from '../warehouse/helpers.ts';
import {
  drainStream,
  dropReplication,
  natsUrl,
  readChangeFiles,
  uniqueNames,
  waitCaughtUp,
} from './support.ts';

const server = process.env.TEST_DATABASE_URL;
if (!server)
  console.log('CDC suite DID NOT RUN: it needs a PostgreSQL server (TEST_DATABASE_URL, wal_level=logical)');

/** Every mart (tables and views) as sorted JSON rows. */
async function dumpMarts(adapter: Awaited<ReturnType<typeof openTempWarehouse>>) {
  const relations = await adapter.query<{ t: string }>(
    `select table_name as t from information_schema.tables where table_schema = 'marts' order by 1`,
  );
  const out: Record<string, string> = {};
  for (const { t } of relations) {
    out[t] = JSON.stringify(await adapter.query(`select * from marts."${t}" order by all`));
  }
  return out;
}

describe.runIf(server)('CDC from the real PostgreSQL server', () => {
  describe('daily loads and API corrections: change files and JetStream equal the source, and the warehouse built from them equals the export’s', () => {
    let database: TestDatabase;
    let api: Omit<ApiContext, 'seed'>;
    let stream: CdcStream;
    const names = uniqueNames();
    const lake = new FileStore(tempDir('cdc-lake'));

    beforeAll(async () => {
      database = await createTestDatabase('postgres');
      api = await openApi(database, 'memory');
      stream = new CdcStream({
        databaseUrl: database.url!,
        store: lake,
        ...names,
        natsUrl,
        natsStream: names.natsStream,
        batchEvents: 40,
      });
      await stream.start();
    });
    afterAll(async () => {
      await stream?.stop();
      if (database?.url) await dropReplication(database.url, names);
      await (api ?? database)?.close();
    });

    /** What an admin corrects through the API after each day's load: set, change and remove corrections. */
    async function correct(day: number) {
      const admin = await signUp(api, { role: 'admin' });
      const idOf = async (yelpId: string) =>
        (
          await database.db
            .selectFrom('business')
            .select('business_id')
            .where('yelp_id', '=', yelpId)
            .executeTakeFirstOrThrow()
        ).business_id;
      const send = async (method: 'PATCH' | 'DELETE', url: string, payload?: object) => {
        const response = await api.app.inject({ method, url, headers: admin.auth, payload });
        expect(response.statusCode, `${method} ${url}: ${response.body}`).toBe(200);
      };
      const [one, three] = [await idOf('yelp-1'), await idOf('yelp-3')];
      if (day === 0) {
        await send('PATCH', `/businesses/${one}`, { name: 'Business 1 (corrected)' });
        await send('PATCH', `/businesses/${three}`, {
          price: 2,
          phone: '+15550000003',
          reason: 'called them',
        });
      }
      if (day === 1) {
        // The day's load renamed and re-priced business 1: the correction stays on top.
        await send('PATCH', `/businesses/${one}`, { name: 'Business 1 (corrected again)' });
        await send('PATCH', `/businesses/${three}`, { isClosed: true });
        await send('DELETE', `/businesses/${three}/overrides/price`);
      }
      if (day === 2) {
        await send('DELETE', `/businesses/${one}/overrides/name`);
        await send('PATCH', `/businesses/${three}`, { isClosed: false, address2: null });
      }
    }

    it('builds the same marts from change files as from the daily export, day after day', async () => {
      const fromExport = new FileStore(tempDir('export-lake'));
      const fromCdc = cdcLakeStore({
        lakeUrl: lake.url,
        s3Region: 'us-east-1',
        s3Endpoint: undefined,
      }) as FileStore;
      const exportWarehouse = await openTempWarehouse();
      const cdcWarehouse = await openTempWarehouse();
      const shown: Record<string, (string | null)[]> = {};
      try {
        await seedFixture(database);
        for (const [day, date] of FIXTURE_DAYS.entries()) {
          await simulateFixtureDay(database, day);
          await correct(day);
          await waitCaughtUp(database.url!, names.slot);
          await exportLake(database, fromExport, date);
          await materializeCdcLake(lake, fromCdc, { runDate: date, cacheDir: tempDir('cache') });
          const cache = tempDir('cache');
          await buildWarehouse(
            { adapter: exportWarehouse, store: fromExport, cacheDir: cache },
            { runDate: date },
          );
          await buildWarehouse({ adapter: cdcWarehouse, store: fromCdc, cacheDir: cache }, { runDate: date });
          const [a, b] = [await dumpMarts(exportWarehouse), await dumpMarts(cdcWarehouse)];
          expect(Object.keys(b).length).toBeGreaterThan(15);
          for (const mart of Object.keys(a)) expect(b[mart], `${mart} on ${date}`).toBe(a[mart]);
          const latest = await cdcWarehouse.query<{ business_name: string; phone: string }>(
            `select business_name, phone from marts.dim_business where yelp_id in ('yelp-1', 'yelp-3')
             qualify row_number() over (partition by yelp_id order by valid_from desc) = 1 order by yelp_id`,
          );
          shown[date] = latest.flatMap((r) => [r.business_name, r.phone]);
        }
      } finally {
        await exportWarehouse.close();
        await cdcWarehouse.close();
      }
      // The corrections reached both warehouses (equal above): over the load's rename, then removed.
      expect(shown).toEqual({
        [FIXTURE_DAYS[0]]: ['Business 1 (corrected)', null, 'Business 3', '+15550000003'],
        [FIXTURE_DAYS[1]]: ['Business 1 (corrected again)', null, 'Business 3', '+15550000003'],
        [FIXTURE_DAYS[2]]: ['Business 1 Renamed', null, 'Business 3', '+15550000003'],
      });
    });

    it('holds every change of the loads and the API once, in commit order with its LSN, in the files and JetStream; replaying them gives the source tables', async () => {
      if (!natsUrl)
        throw new Error('TEST_NATS_URL is not set: the CDC suite needs JetStream (bash .ci/run starts it)');
      await stream.stop();
      const changes = await readChangeFiles(lake);
      expect(new Set(changes.map((c) => `${c.lsn}:${c.seq}`)).size).toBe(changes.length);
      expect(changes.filter((c) => c.op === 'r').length).toBeGreaterThan(0);
      const byCommit = [...changes].sort((x, y) => x.commit_lsn - y.commit_lsn || x.seq - y.seq);
      // Per table, the files are in commit order; within a commit, in the order the changes were made.
      for (const table of new Set(changes.map((c) => c.table))) {
        const own = changes.filter((c) => c.table === table);
        expect(own, table).toEqual(byCommit.filter((c) => c.table === table));
      }
      // Within a commit, LSNs follow the order of the changes.
      for (const [i, c] of byCommit.entries()) {
        const next = byCommit[i + 1];
        if (next?.commit_lsn === c.commit_lsn && c.op !== 'r') expect(next.lsn).toBeGreaterThan(c.lsn);
      }
      // Each API correction (set, changed, removed) is one commit: the correction and the business
      // row it touches, so a consumer sees both at the same LSN position.
      const corrections = byCommit.filter((c) => c.table === 'business_override' && c.op !== 'r');
      expect(corrections.map((c) => `${c.op}:${(c.after ?? c.before)!.field}`)).toEqual([
        'c:name',
        'c:payment_level_id',
        'c:phone',
        'u:name',
        'c:is_closed',
        'd:payment_level_id',
        'd:name',
        'u:is_closed',
        'c:address2',
      ]);
      for (const c of corrections) {
        const touched = byCommit.filter(
          (b) => b.table === 'business' && b.commit_lsn === c.commit_lsn && b.op === 'u',
        );
        expect(touched.map((b) => b.after!.business_id)).toContain((c.after ?? c.before)!.business_id);
      }
      for (const [table, key] of [
        ['business', 'business_id'],
        ['business_holding', 'business_id'],
        ['business_category_bridge', 'business_id'],
      ] as const) {
        const latest = new Map<string, Record<string, string | null>>();
        for (const c of byCommit.filter((c) => c.table === table)) {
          const image = c.after ?? c.before!;
          const id = `${image[key]}|${image.holding_date ?? image.category_id ?? ''}`;
          if (c.op === 'd') latest.delete(id);
          else latest.set(id, c.after!);
        }
        const { rows } = await sql
          .raw<{ id: string; updated_at: string }>(
            `select ${key}::text || '|' || ${table === 'business_holding' ? 'holding_date::text' : table === 'business' ? "''" : 'category_id::text'} as id,
                    to_char(updated_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') as updated_at from ${table} order by 1`,
          )
          .execute(database.db);
        expect([...latest.keys()].sort(), table).toEqual(rows.map((r) => r.id));
        for (const row of rows) {
          expect(
            latest.get(row.id)!.updated_at!.replace(/\+00$/, '').padEnd(26, '0'),
            `${table} ${row.id}`,
          ).toBe(row.updated_at);
        }
      }
      const inForce = new Map<string, string | null>();
      for (const c of byCommit.filter((c) => c.table === 'business_override')) {
        const image = c.after ?? c.before!;
        if (c.op === 'd') inForce.delete(`${image.business_id}|${image.field}`);
        else inForce.set(`${image.business_id}|${image.field}`, image.value!);
      }
      const { rows: overrides } = await sql<{ id: string; value: string }>`
        select business_id::text || '|' || field as id, value::text as value
        from api.business_override order by 1`.execute(database.db);
      expect([...inForce.entries()].sort()).toEqual(overrides.map((o) => [o.id, o.value]));

      const messages = await drainStream(natsUrl, names.natsStream);
      // Exactly the files' changes, each once, with the Debezium envelope and the LSN as message id.
      expect(
        messages.map(
          (m) => `${m.event.source.table}:${m.event.source.lsn}:${m.event.source.seq}:${m.event.op}`,
        ),
      ).toEqual(byCommit.map((c) => `${c.table}:${c.lsn}:${c.seq}:${c.op}`));
      for (const m of messages) {
        expect(m.id).toBe(`${m.event.source.lsn}:${m.event.source.seq}`);
        expect(m.subject).toBe(
          `${names.natsStream.toLowerCase().replaceAll('_', '.')}.${m.event.source.table}`,
        );
        expect(Object.keys(m.event).sort()).toEqual(['after', 'before', 'op', 'source', 'ts_ms']);
      }
      const removed = messages.find((m) => m.event.source.lsn === corrections[5]!.lsn)!.event;
      expect([removed.op, removed.source.schema, removed.before?.field]).toEqual([
        'd',
        'api',
        'payment_level_id',
      ]);
    });
  });

  describe('the slot and the publication', () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await createTestDatabase('postgres');
    });
    afterAll(async () => {
      await database?.close();
    });

    it('reports every slot’s lag as a metric (what the alert rule watches)', async () => {
      const names = uniqueNames();
      const stream = new CdcStream({
        databaseUrl: database.url!,
        store: new FileStore(tempDir('lag')),
        ...names,
      });
      try {
        await stream.start();
        await stream.stop();
        // Stopped: the slot stays and falls behind as the source changes.
        await database.db.insertInto('yelp_user').values({ yelp_user_id: 'lag-probe' }).execute();
        const text = await pipelineMetrics(database).metrics();
        const lag = new RegExp(`gourmand_cdc_slot_lag_bytes\\{slot="${names.slot}"\\} (\\d+)`).exec(text);
        expect(Number(lag?.[1])).toBeGreaterThan(0);
      } finally {
        await dropReplication(database.url!, names);
      }
    });

    it('a transaction open while the stream sat idle survives a restart that follows its commit', async () => {
      const names = uniqueNames();
      const lake = new FileStore(tempDir('open-tx'));
      const confirmedBytes = async () =>
        (
          await sql<{ bytes: string }>`
            select (confirmed_flush_lsn - '0/0'::pg_lsn)::text as bytes
            from pg_replication_slots where slot_name = ${names.slot}`.execute(database.db)
        ).rows[0]!.bytes;
      const writer = new pg.Client({ connectionString: database.url! });
      await writer.connect();
      try {
        const first = new CdcStream({ databaseUrl: database.url!, store: lake, ...names });
        await first.start();
        await writer.query('begin');
        await writer.query(
          `insert into yelp_user (yelp_user_id) select 'open-tx-' || n from generate_series(1, 5) as n`,
        );
        const { rows } = await writer.query<{ lsn: string }>(
          'select pg_current_wal_insert_lsn()::text as lsn',
        );
        // Idle (nothing committed to send), the stream confirms the keepalives' position: past the inserts.
        await expect
          .poll(
            async () =>
              (
                await sql<{ ok: boolean }>`
                  select confirmed_flush_lsn >= ${rows[0]!.lsn}::pg_lsn as ok
                  from pg_replication_slots where slot_name = ${names.slot}`.execute(database.db)
              ).rows[0]?.ok,
            { timeout: 30_000, interval: 100 },
          )
          .toBe(true);
        // A confirmed position is the end of a WAL record, so a record boundary (records are 8-byte
        // aligned); one byte past, a commit written right there would be skipped on restart.
        expect(BigInt(await confirmedBytes()) % 8n).toBe(0n);
        await first.stop(); // as if killed: nothing of the open transaction was received
        await writer.query('commit');
        const second = new CdcStream({ databaseUrl: database.url!, store: lake, ...names });
        await second.start();
        await expect
          .poll(
            async () =>
              (await readChangeFiles(lake)).filter((c) => c.table === 'yelp_user' && c.op !== 'r').length,
            {
              timeout: 30_000,
              interval: 200,
            },
          )
          .toBe(5);
        await second.stop();
        const users = (await readChangeFiles(lake)).filter((c) => c.table === 'yelp_user' && c.op !== 'r');
        expect(users.map((c) => `${c.op}:${c.after!.yelp_user_id}`).sort()).toEqual(
          [1, 2, 3, 4, 5].map((n) => `c:open-tx-${n}`).sort(),
        );
      } finally {
        await writer.end();
        await dropReplication(database.url!, names);
      }
    });

    it('captures every table the export reads, and refuses an older publication without the corrections', async () => {
      // The tables behind each lake table's source relation (business_effective reads two), from the catalog.
      const { rows } = await sql<{ name: string }>`
        select distinct n.nspname || '.' || c.relname as name
        from pg_rewrite r
        join pg_depend d on d.classid = 'pg_rewrite'::regclass and d.objid = r.oid
        join pg_class c on c.oid = d.refobjid and c.relkind = 'r'
        join pg_namespace n on n.oid = c.relnamespace
        where r.ev_class = any(${LAKE_TABLES.map(sourceOf)}::regclass[])
        union select 'public.' || name from unnest(${LAKE_TABLES.map((t) => t.name)}::text[]) as name
        order by 1`.execute(database.db);
      expect(CDC_TABLES.map((t) => `${t.schema}.${t.name}`).sort()).toEqual(rows.map((r) => r.name));

      const names = uniqueNames();
      await sql
        .raw(`create publication ${names.publication} for table business, business_holding`)
        .execute(database.db);
      try {
        await expect(ensureReplication(database.url!, { ...names, tables: CDC_TABLES })).rejects.toThrow(
          `CDC publication ${names.publication} lacks `,
        );
      } finally {
        await dropReplication(database.url!, names);
      }
    });
  });
});
