import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { expect } from 'vitest';
import { manifestKey, readManifest, renderManifest, sha256File } from '../../src/lake/manifest.ts';
import type { FileStore } from '../../src/lake/store.ts';
import type { SourceDatabase } from '../../src/oltp/database.ts';
import type { WarehouseAdapter } from '../../src/warehouse/adapter.ts';
import { DuckDbAdapter } from '../../src/warehouse/duckdb.ts';

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), `gourmand-${prefix}-`));
}

export async function openTempWarehouse(): Promise<DuckDbAdapter> {
  return DuckDbAdapter.open(path.join(tempDir('wh'), 'warehouse.duckdb'));
}

export const MODEL_SCHEMAS = ['staging', 'intermediate', 'marts', 'snapshots'];
/** The model schemas plus the landed lake and the build's bookkeeping: everything a build changes. */
export const ALL_SCHEMAS = [...MODEL_SCHEMAS, 'lake', '_gourmand'];

/** Every table and view the build made (by default not the lake copy or bookkeeping), as sorted JSON rows. */
export async function dumpWarehouse(
  adapter: WarehouseAdapter,
  schemas: readonly string[] = MODEL_SCHEMAS,
): Promise<Record<string, string>> {
  const relations = await adapter.query<{ s: string; t: string }>(
    `select table_schema as s, table_name as t from information_schema.tables
     where table_schema in (${schemas.map((s) => `'${s}'`).join(', ')}) order by 1, 2`,
  );
  const out: Record<string, string> = {};
  for (const { s, t } of relations) {
    const rows = await adapter.query(`select * from ${adapter.relation(s, t)} order by all`);
    out[`${s}.${t}`] = JSON.stringify(rows, (_, v) => (typeof v === 'bigint' ? Number(v) : v));
  }
  return out;
}

/**
 * Asserts that the marts hold what the source database holds: sums of review_count per state
 * and date, key sets of every current dimension and bridge, the population facts, and the
 * reporting views. Returns a few counts for suite-specific assertions.
 */
export async function expectMartsMatchSource(warehouse: WarehouseAdapter, database: SourceDatabase) {
  const src = async <T>(query: string) => (await sql.raw<T>(query).execute(database.db)).rows;
  const wh = <T extends Record<string, unknown>>(query: string) => warehouse.query<T>(query);
  const perStateAndDate = `select s.state_code, h.holding_date::text as d, sum(h.review_count)::int as total, count(*)::int as n
     from business_holding h join business b using (business_id)
     join county c on c.county_id = b.county_id join state s on s.state_id = c.state_id
     group by 1, 2 order by 1, 2`;
  const sourceTotals = await src<{ state_code: string; d: string; total: number; n: number }>(
    perStateAndDate,
  );
  expect(
    await wh(`select c.state_code, cast(f.holding_date as varchar) as d, sum(f.review_count)::bigint as total, count(*) as n
              from marts.fct_business_holding f
              join marts.dim_business b on b.business_key = f.business_key
              join marts.dim_county c on c.county_id = b.county_id
              group by all order by all`),
  ).toEqual(sourceTotals);
  expect(
    await wh(`select state_code, cast(holding_date as varchar) as d, total_review_count::bigint as total, businesses as n
              from marts.rpt_state_daily_review_changes order by all`),
  ).toEqual(sourceTotals);

  const keys = async (warehouseQuery: string, sourceQuery: string) => {
    // Compared as sorted strings: the two engines collate text differently.
    const w = (await wh<{ k: unknown }>(warehouseQuery)).map((r) => String(r.k)).sort();
    const s = (await src<{ k: unknown }>(sourceQuery)).map((r) => String(r.k)).sort();
    expect(w).toEqual(s);
    return w.length;
  };
  const businesses = await keys(
    'select yelp_id as k from marts.dim_business where is_current order by 1',
    'select yelp_id as k from business where valid_to is null order by 1',
  );
  await keys(
    'select city_id as k from marts.dim_location order by 1',
    'select city_id as k from city order by 1',
  );
  await keys(
    'select county_fips_code as k from marts.dim_county order by 1',
    'select fips_code as k from county order by 1',
  );
  await keys(
    'select yelp_user_id as k from marts.dim_user where is_current order by 1',
    'select yelp_user_id as k from yelp_user order by 1',
  );
  const reviews = await keys(
    'select yelp_review_id as k from marts.dim_review where is_current order by 1',
    'select yelp_review_id as k from review where valid_to is null order by 1',
  );
  await keys(
    'select yelp_event_id as k from marts.dim_event where is_current order by 1',
    'select yelp_event_id as k from event where valid_to is null order by 1',
  );
  await keys(
    "select business_id || '-' || category_id as k from marts.dim_business_category_bridge where is_current order by 1",
    `select business_id || '-' || category_id as k from business_category_bridge where valid_to is null order by 1`,
  );
  await keys(
    "select business_id || '-' || transaction_type_id as k from marts.dim_business_transaction_bridge where is_current order by 1",
    `select business_id || '-' || transaction_type_id as k from business_transaction_bridge where valid_to is null order by 1`,
  );
  await keys(
    'select transaction_name as k from marts.dim_transaction_type where is_current order by 1',
    'select name as k from transaction_type order by 1',
  );
  await keys(
    'select category_alias as k from marts.dim_business_category where is_current order by 1',
    'select alias as k from business_category where valid_to is null order by 1',
  );
  expect(
    await wh(
      'select county_id, estimation_year, estimated_population from marts.fct_county_growth order by all',
    ),
  ).toEqual(
    await src(
      'select county_id, year as estimation_year, population as estimated_population from county_population order by 1, 2',
    ),
  );
  // Open businesses and population per state, as the per-capita view reports them.
  expect(
    await wh(
      'select state_code, businesses, population::bigint as population from marts.rpt_state_per_capita order by 1',
    ),
  ).toEqual(
    await src(
      `select s.state_code,
              (select count(*)::int from business b join county c on c.county_id = b.county_id
               where c.state_id = s.state_id and b.valid_to is null and not b.is_closed) as businesses,
              (select sum(p.population)::int from county_population p join county c on c.county_id = p.county_id
               where c.state_id = s.state_id
                 and p.year = (select max(year) from county_population p2 where p2.county_id = p.county_id)) as population
       from state s order by 1`,
    ),
  );
  const holdings = sourceTotals.reduce((sum, r) => sum + r.n, 0);
  return { businesses, reviews, holdings };
}

/**
 * Rewrites a lake partition's first file with the rows `extra(file)` selects added, and updates its
 * manifest entry, as an export that wrote those rows would have.
 */
export async function appendToPartition(
  duck: WarehouseAdapter,
  store: FileStore,
  table: string,
  date: string,
  extra: (file: string) => string,
) {
  const key = `${table}/dt=${date}/part-0000.parquet`;
  const file = await store.localCopy(key);
  const out = path.join(tempDir('append'), 'part.parquet');
  await duck.exec(
    `copy (select * from read_parquet('${file}') union all (${extra(`read_parquet('${file}')`)}))
     to '${out}' (format parquet)`,
  );
  await store.putFile(key, out);
  const manifest = (await readManifest(store, date))!;
  manifest.tables[table]!.files = [
    { ...manifest.tables[table]!.files[0]!, bytes: statSync(out).size, sha256: await sha256File(out) },
  ];
  await store.putText(manifestKey(date), renderManifest(manifest));
}
