import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGeography } from '../../src/oltp/load/geography.ts';
import { withLoadTransaction } from '../../src/oltp/load/session.ts';
import { loadYelp } from '../../src/oltp/load/yelp.ts';
import type { YelpLine } from '../../src/sources/yelp-pull.ts';
import { rows } from '../e2e/truth.ts';
import { createTestDatabase, databaseBackends, type TestDatabase } from '../support/database.ts';
import { business } from '../support/yelp-business.ts';

// A first load into empty tables drops their secondary indexes and foreign keys and restores them
// at its end (src/oltp/load/deferred-checks.ts): the schema after it must be the schema before it,
// the keys must still hold, and the normal path (a re-run into the now filled tables) finds
// nothing to change.

const lines: YelpLine[] = [
  { t: 'business', county: '51059', r: business('b-1') },
  {
    t: 'business',
    county: '51059',
    r: business('b-2', { categories: [{ alias: 'pizza', title: 'Pizza' }] }),
  },
];

const SCHEMA_SQL = `
  select c.relname as table_name, pg_get_indexdef(i.indexrelid) as definition
  from pg_index i join pg_class c on c.oid = i.indrelid join pg_namespace n on n.oid = c.relnamespace
  where n.nspname = 'public'
  union all
  select c.relname, con.conname || ' ' || pg_get_constraintdef(con.oid)
  from pg_constraint con join pg_class c on c.oid = con.conrelid join pg_namespace n on n.oid = c.relnamespace
  where n.nspname = 'public'
  union all
  -- A first load fills business_current with its triggers off: they must be on again after it.
  select c.relname, 'trigger ' || t.tgname || ' ' || t.tgenabled::text
  from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace
  where n.nspname = 'public' and not t.tgisinternal
  order by 1, 2`;

const TABLES_SQL = {
  business:
    'select business_id, yelp_id, name, city_id, change_xid::text, updated_at from business order by 1',
  bridge:
    'select business_id, category_id, valid_to, change_xid::text, updated_at from business_category_bridge order by 1, 2',
  holding:
    'select business_id, holding_date, rating, change_xid::text, updated_at from business_holding order by 1',
  city: 'select city_id, city_name, change_xid::text from city order by 1',
};

async function snapshot(database: TestDatabase) {
  const out: Record<string, unknown[]> = {};
  for (const [name, text] of Object.entries(TABLES_SQL)) out[name] = await rows(database, text);
  return out;
}

async function load(database: TestDatabase, date: string) {
  return withLoadTransaction(database, (session) => loadYelp(session, date, { lines, categories: [] }));
}

describe.each(databaseBackends)('first load into empty tables on %s', (backend) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(backend);
    await withLoadTransaction(database, (session) =>
      loadGeography(session, '2026-01-01', {
        states: [{ name: 'Virginia', code: 'VA' }],
        counties: [{ fips: '51059', name: 'Fairfax County', stateFips: '51', stateName: 'Virginia' }],
        population: [],
        quarantined: [],
      }),
    );
  });
  afterAll(async () => {
    await database?.close();
  });

  it('restores every index and constraint, keeps the keys enforced, and a re-run changes nothing', async () => {
    const schemaBefore = await rows(database, SCHEMA_SQL);
    const counts = await load(database, '2026-01-02');
    expect(await rows(database, SCHEMA_SQL)).toEqual(schemaBefore);
    // Two businesses, three (business, category) pairs, one holding each, one city.
    expect(counts).toMatchObject({ business: 2, business_category_bridge: 3, business_holding: 2, city: 1 });
    expect(await rows(database, 'select yelp_id from business order by business_id')).toEqual([
      { yelp_id: 'b-1' },
      { yelp_id: 'b-2' },
    ]);
    // The read model was filled once at the end: each business with its one holding.
    expect(
      await rows(
        database,
        'select business_id, name, listed, rating, holding_date from business_current order by 1',
      ),
    ).toEqual(
      await rows(
        database,
        `select b.business_id, b.name, true as listed, h.rating, h.holding_date
         from business b join business_holding h using (business_id) order by 1`,
      ),
    );
    expect(await rows(database, 'select count(*)::int as n from business_current')).toEqual([{ n: 2 }]);
    // The re-added foreign key holds: a holding of an unknown business is refused.
    await expect(
      rows(
        database,
        "insert into business_holding (business_id, holding_date, rating, review_count) values (999, '2026-01-02', 4, 1)",
      ),
    ).rejects.toThrow(/foreign key/);

    const first = await snapshot(database);
    await load(database, '2026-01-02');
    expect(await snapshot(database)).toEqual(first);
    expect(await rows(database, SCHEMA_SQL)).toEqual(schemaBefore);
  });
});
