import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/oltp/migrate.ts';
import { createTestDatabase, databaseBackends, type TestDatabase } from '../support/database.ts';

/** Inserts the smallest valid chain country → state → county → city → business; returns its ids. */
async function seedBusiness(database: TestDatabase, yelpId = 'biz-1') {
  const db = database.db;
  const country = await db
    .insertInto('country')
    .values({ country_code: 'US', country_name: 'United States' })
    .onConflict((oc) => oc.column('country_code').doUpdateSet({ country_name: 'United States' }))
    .returning('country_id')
    .executeTakeFirstOrThrow();
  const state = await db
    .insertInto('state')
    .values({ state_name: 'Virginia', state_code: 'VA', fips_code: '51', country_id: country.country_id })
    .onConflict((oc) => oc.column('state_code').doUpdateSet({ state_name: 'Virginia' }))
    .returning('state_id')
    .executeTakeFirstOrThrow();
  const county = await db
    .insertInto('county')
    .values({ fips_code: '51059', county_name: 'Fairfax County', state_id: state.state_id })
    .onConflict((oc) => oc.column('fips_code').doUpdateSet({ county_name: 'Fairfax County' }))
    .returning('county_id')
    .executeTakeFirstOrThrow();
  const city = await db
    .insertInto('city')
    .values({ city_name: 'Fairfax', state_id: state.state_id, county_id: county.county_id })
    .onConflict((oc) =>
      oc.columns(['state_id', 'county_id', 'city_name']).doUpdateSet({ city_name: 'Fairfax' }),
    )
    .returning('city_id')
    .executeTakeFirstOrThrow();
  const business = await db
    .insertInto('business')
    .values({
      yelp_id: yelpId,
      alias: `${yelpId}-fairfax`,
      name: 'Fairfax Diner',
      city_id: city.city_id,
      county_id: county.county_id,
      payment_level_id: 2,
      first_seen: '2026-11-01',
      last_seen: '2026-11-01',
    })
    .returning('business_id')
    .executeTakeFirstOrThrow();
  return { ...state, ...county, ...city, ...business };
}

describe.each(databaseBackends)('source schema on %s', (backend) => {
  let database: TestDatabase;
  let ids: Awaited<ReturnType<typeof seedBusiness>>;
  beforeAll(async () => {
    database = await createTestDatabase(backend);
    ids = await seedBusiness(database);
  });
  afterAll(async () => {
    await database?.close();
  });

  const insertHolding = (businessId: number, date: string) =>
    database.db
      .insertInto('business_holding')
      .values({ business_id: businessId, holding_date: date, rating: 4.5, review_count: 10 })
      .execute();

  it('keeps one business_holding row per business and date', async () => {
    await insertHolding(ids.business_id, '2026-11-01');
    await expect(insertHolding(ids.business_id, '2026-11-01')).rejects.toThrow(/duplicate key|unique/i);
    await insertHolding(ids.business_id, '2026-11-02');
  });

  it('rejects rows pointing at missing parents', async () => {
    await expect(insertHolding(999_999, '2026-11-01')).rejects.toThrow(/foreign key/i);
    await expect(
      database.db
        .insertInto('county')
        .values({ fips_code: '99999', county_name: 'Nowhere County', state_id: 999_999 })
        .execute(),
    ).rejects.toThrow(/foreign key/i);
    await expect(
      database.db
        .insertInto('business_category_bridge')
        .values({ business_id: ids.business_id, category_id: 999_999 })
        .execute(),
    ).rejects.toThrow(/foreign key/i);
  });

  it('rejects duplicate natural keys', async () => {
    await expect(seedBusiness(database, 'biz-1')).rejects.toThrow(/duplicate key|unique/i);
    await expect(
      database.db
        .insertInto('city')
        .values({ city_name: 'Fairfax', state_id: ids.state_id, county_id: ids.county_id })
        .execute(),
    ).rejects.toThrow(/duplicate key|unique/i);
    // A city without a county is unique per state too (nulls not distinct).
    const noCounty = { city_name: 'Falls Church', state_id: ids.state_id, county_id: null };
    await database.db.insertInto('city').values(noCounty).execute();
    await expect(database.db.insertInto('city').values(noCounty).execute()).rejects.toThrow(
      /duplicate key|unique/i,
    );
  });

  it('rejects missing required values and out-of-range ones', async () => {
    await expect(
      sql`insert into business_holding (business_id, holding_date, rating) values (${ids.business_id}, '2026-12-01', 4)`.execute(
        database.db,
      ),
    ).rejects.toThrow(/null value|not-null/i);
    await expect(
      database.db
        .insertInto('business_holding')
        .values({ business_id: ids.business_id, holding_date: '2026-12-02', rating: 7, review_count: 1 })
        .execute(),
    ).rejects.toThrow(/check constraint|numeric field overflow/i);
    await expect(
      sql`insert into state (state_name, state_code, country_id) values (null, 'ZZ', 1)`.execute(database.db),
    ).rejects.toThrow(/null value|not-null/i);
  });

  it('returns dates as calendar strings and numerics as numbers', async () => {
    const row = await database.db
      .selectFrom('business_holding')
      .selectAll()
      .where('business_id', '=', ids.business_id)
      .orderBy('holding_date')
      .executeTakeFirstOrThrow();
    expect(row.holding_date).toBe('2026-11-01');
    expect(row.rating).toBe(4.5);
    expect(row.updated_at).toBeInstanceOf(Date);
  });
});

describe.each(databaseBackends)('the event-category link migration on %s', (backend) => {
  it('links events that were loaded before it and backfills their category', async () => {
    const database = await createTestDatabase(backend, { migrate: '0001' });
    try {
      const { business_id } = await seedBusiness(database);
      await sql`
        insert into event (yelp_event_id, business_id, category, name) values
          ('ev-1', ${business_id}, 'music', 'Jazz night'),
          ('ev-2', null, 'food-and-drink', 'Taco fest'),
          ('ev-3', null, null, 'Mystery')
      `.execute(database.db);
      await sql`insert into event_category (name) values ('music')`.execute(database.db);

      const applied = await migrate(database);
      expect(applied.map((m) => m.version)).toContain('0002');

      const rows = await database.db
        .selectFrom('event')
        .leftJoin('event_category', 'event_category.event_category_id', 'event.event_category_id')
        .select(['event.yelp_event_id', 'event_category.name as category'])
        .orderBy('event.yelp_event_id')
        .execute();
      expect(rows).toEqual([
        { yelp_event_id: 'ev-1', category: 'music' },
        { yelp_event_id: 'ev-2', category: 'food-and-drink' },
        { yelp_event_id: 'ev-3', category: null },
      ]);
      await expect(
        sql`update event set event_category_id = 999999 where yelp_event_id = 'ev-1'`.execute(database.db),
      ).rejects.toThrow(/foreign key/i);
    } finally {
      await database.close();
    }
  });
});
