import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGeography } from '../../src/oltp/load/geography.ts';
import { withLoadTransaction } from '../../src/oltp/load/session.ts';
import { loadYelp } from '../../src/oltp/load/yelp.ts';
import type { YelpLine } from '../../src/sources/yelp-pull.ts';
import { rows } from '../e2e/truth.ts';
import { createTestDatabase, databaseBackends, type TestDatabase } from '../support/database.ts';
import { business } from '../support/yelp-business.ts';

const line = (county: string, r: unknown): YelpLine => ({ t: 'business', county, r });

async function load(database: TestDatabase, date: string, lines: YelpLine[]) {
  return withLoadTransaction(database, (session) => loadYelp(session, date, { lines, categories: [] }));
}

describe.each(databaseBackends)('Yelp load on %s', (backend) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(backend);
    await withLoadTransaction(database, (session) =>
      loadGeography(session, '2026-01-01', {
        states: [
          { name: 'Virginia', code: 'VA' },
          { name: 'MARYLAND', code: 'MD' },
          { name: 'Guam', code: 'GU' },
        ],
        counties: [
          { fips: '51059', name: 'Fairfax County', stateFips: '51', stateName: 'Virginia' },
          { fips: '24031', name: 'Montgomery County', stateFips: '24', stateName: 'Maryland' },
          { fips: '11001', name: 'District of Columbia', stateFips: '11', stateName: 'District of Columbia' },
        ],
        population: [{ countyFips: '51059', year: 2019, population: 1_147_532 }],
        quarantined: [],
      }),
    );
  });
  afterAll(async () => {
    await database?.close();
  });

  it('places states by name (any case), keeps territories without FIPS, reports unplaceable counties', async () => {
    expect(
      await rows(database, 'select state_code, state_name, fips_code from state order by state_code'),
    ).toEqual([
      { state_code: 'GU', state_name: 'Guam', fips_code: null },
      { state_code: 'MD', state_name: 'Maryland', fips_code: '24' },
      { state_code: 'VA', state_name: 'Virginia', fips_code: '51' },
    ]);
    expect(await rows(database, 'select source, entity, record_key from ops.quarantine')).toEqual([
      { source: 'census', entity: 'county', record_key: '11001' },
    ]);
  });

  it('loads businesses, cities (county only within its state) and quarantines unknown states', async () => {
    const counts = await load(database, '2026-01-05', [
      line('51059', business('a')),
      // Found under a Virginia county but located in Maryland: its city has no county.
      line(
        '51059',
        business('b', { location: { ...business('b').location, city: 'Bethesda', state: 'MD' } }),
      ),
      line('51059', business('c', { location: { ...business('c').location, state: 'XG' } })),
    ]);
    expect(counts).toMatchObject({
      business: 2,
      business_holding: 2,
      business_category_bridge: 4,
      quarantined: 1,
    });
    expect(
      await rows(
        database,
        `select b.yelp_id, ci.city_name, ci.county_id is not null as has_county, b.address2, b.address3
         from business b join city ci using (city_id) order by 1`,
      ),
    ).toEqual([
      { yelp_id: 'a', city_name: 'Fairfax', has_county: true, address2: null, address3: null },
      { yelp_id: 'b', city_name: 'Bethesda', has_county: false, address2: null, address3: null },
    ]);
    const quarantine = await rows<{ record_key: string; reason: string }>(
      database,
      "select record_key, reason from ops.quarantine where source = 'yelp'",
    );
    expect(quarantine).toEqual([{ record_key: 'c', reason: 'unknown state abbreviation XG' }]);
  });

  it('updates only what changed, ends dropped bridges, and a re-run changes nothing', async () => {
    const stamp = async () =>
      rows<{ yelp_id: string; updated_at: string; last_seen: string }>(
        database,
        'select yelp_id, updated_at::text, last_seen from business order by 1',
      );
    const before = await stamp();
    const day2 = [
      line('51059', business('a', { name: 'Renamed', categories: [{ alias: 'pizza', title: 'Pizza' }] })),
      line(
        '51059',
        business('b', { location: { ...business('b').location, city: 'Bethesda', state: 'MD' } }),
      ),
    ];
    await load(database, '2026-01-06', day2);
    const after = await stamp();
    expect(after[0]!.updated_at).not.toBe(before[0]!.updated_at);
    expect(after[1]!.updated_at).toBe(before[1]!.updated_at);
    expect(after.map((b) => b.last_seen)).toEqual(['2026-01-06', '2026-01-06']);
    expect(
      await rows(
        database,
        `select c.alias, br.valid_to from business_category_bridge br
         join business b using (business_id) join business_category c using (category_id)
         where b.yelp_id = 'a' order by 1`,
      ),
    ).toEqual([
      { alias: 'bars', valid_to: '2026-01-06' },
      { alias: 'pizza', valid_to: null },
    ]);
    const snapshot = await rows(database, 'select * from business_category_bridge order by 1, 2');
    await load(database, '2026-01-06', day2);
    expect(await stamp()).toEqual(after);
    expect(await rows(database, 'select * from business_category_bridge order by 1, 2')).toEqual(snapshot);
  });

  it('closes a business the pull confirmed closed, and reopens it if it comes back', async () => {
    await load(database, '2026-01-07', [
      line('51059', business('a', { name: 'Renamed', categories: [{ alias: 'pizza', title: 'Pizza' }] })),
      { t: 'closed', county: '51059', id: 'b' },
    ]);
    expect(await rows(database, 'select yelp_id, is_closed, valid_to from business order by 1')).toEqual([
      { yelp_id: 'a', is_closed: false, valid_to: null },
      { yelp_id: 'b', is_closed: true, valid_to: '2026-01-07' },
    ]);
    await load(database, '2026-01-08', [
      line(
        '51059',
        business('b', { location: { ...business('b').location, city: 'Bethesda', state: 'MD' } }),
      ),
    ]);
    expect(await rows(database, "select is_closed, valid_to from business where yelp_id = 'b'")).toEqual([
      { is_closed: false, valid_to: null },
    ]);
  });
});
