import { sql } from 'kysely';
import type { SourceDatabase } from '../../src/oltp/database.ts';

/**
 * A small, typed source-database fixture: geography, businesses with categories and transaction
 * types, users, reviews, events, and one business_holding row per business per simulated day.
 * Day 2 renames and re-prices business 1 and ends one category link; day 3 adds a business.
 */
export const FIXTURE_DAYS = ['2026-03-01', '2026-03-02', '2026-03-03'] as const;

export interface FixtureOptions {
  businesses?: number;
}

export async function seedFixture(database: SourceDatabase, options: FixtureOptions = {}): Promise<void> {
  const { db } = database;
  const n = options.businesses ?? 12;
  const [us] = await db
    .insertInto('country')
    .values({ country_code: 'US', country_name: 'United States' })
    .returning('country_id')
    .execute();
  const states = await db
    .insertInto('state')
    .values([
      { state_name: 'Virginia', state_code: 'VA', fips_code: '51', country_id: us!.country_id },
      { state_name: 'Texas', state_code: 'TX', fips_code: '48', country_id: us!.country_id },
    ])
    .returning(['state_id', 'state_code'])
    .execute();
  const counties = await db
    .insertInto('county')
    .values([
      { fips_code: '51059', county_name: 'Fairfax County', state_id: states[0]!.state_id },
      { fips_code: '51013', county_name: 'Arlington County', state_id: states[0]!.state_id },
      { fips_code: '48453', county_name: 'Travis County', state_id: states[1]!.state_id },
    ])
    .returning(['county_id', 'state_id'])
    .execute();
  await db
    .insertInto('county_population')
    .values(
      counties.flatMap((c, i) => [
        { county_id: c.county_id, year: 2020, population: 100_000 * (i + 1) },
        { county_id: c.county_id, year: 2021, population: 101_000 * (i + 1) },
      ]),
    )
    .execute();
  const cities = await db
    .insertInto('city')
    .values(
      counties.map((c, i) => ({ city_name: `City ${i}`, state_id: c.state_id, county_id: c.county_id })),
    )
    .returning(['city_id', 'county_id'])
    .execute();
  const categories = await db
    .insertInto('business_category')
    .values([
      { alias: 'pizza', title: 'Pizza', parent_alias: 'restaurants' },
      { alias: 'bars', title: 'Bars', parent_alias: 'nightlife' },
    ])
    .returning('category_id')
    .execute();
  const transactions = await db
    .insertInto('transaction_type')
    .values([{ name: 'pickup' }, { name: 'delivery' }])
    .returning('transaction_type_id')
    .execute();
  for (let i = 1; i <= n; i++) await insertBusiness(database, i, cities, categories, transactions);
  const users = await db
    .insertInto('yelp_user')
    .values(
      Array.from({ length: 4 }, (_, i) => ({
        yelp_user_id: `user-${i}`,
        profile_url: `https://www.yelp.com/user_details?userid=user-${i}`,
        name: `User ${i}.`,
      })),
    )
    .returning('user_id')
    .execute();
  const businesses = await db.selectFrom('business').select('business_id').orderBy('business_id').execute();
  await db
    .insertInto('review')
    .values(
      businesses.slice(0, 6).map((b, i) => ({
        yelp_review_id: `review-${i}`,
        business_id: b.business_id,
        user_id: users[i % users.length]!.user_id,
        text: `Review ${i}, with "quotes", commas and\na newline`,
        rating: (i % 5) + 1,
        created_at: new Date(Date.UTC(2026, 1, 1 + i, 12, 30, 15, 123)),
      })),
    )
    .execute();
  const [category] = await db
    .insertInto('event_category')
    .values({ name: 'music' })
    .returning('event_category_id')
    .execute();
  await db
    .insertInto('event')
    .values({
      yelp_event_id: 'event-1',
      business_id: businesses[0]!.business_id,
      event_category_id: category!.event_category_id,
      name: 'Jazz night',
      cost: 12.5,
      is_free: false,
      starts_at: new Date(Date.UTC(2026, 2, 5, 19)),
      city_id: cities[0]!.city_id,
    })
    .execute();
}

async function insertBusiness(
  database: SourceDatabase,
  i: number,
  cities: { city_id: number; county_id: number | null }[],
  categories: { category_id: number }[],
  transactions: { transaction_type_id: number }[],
) {
  const city = cities[i % cities.length]!;
  const [business] = await database.db
    .insertInto('business')
    .values({
      yelp_id: `yelp-${i}`,
      alias: `business-${i}`,
      name: `Business ${i}`,
      payment_level_id: i % 5 === 0 ? null : (i % 4) + 1,
      latitude: 38.5 + i / 1000,
      longitude: -77.25 - i / 1000,
      address1: `${i} Main St`,
      zip_code: '22030',
      city_id: city.city_id,
      county_id: city.county_id!,
      distance_m: 1234.5 + i,
      first_seen: FIXTURE_DAYS[0],
      last_seen: FIXTURE_DAYS[0],
    })
    .returning('business_id')
    .execute();
  await database.db
    .insertInto('business_category_bridge')
    .values({
      business_id: business!.business_id,
      category_id: categories[i % categories.length]!.category_id,
    })
    .execute();
  await database.db
    .insertInto('business_transaction_bridge')
    .values({
      business_id: business!.business_id,
      transaction_type_id: transactions[i % transactions.length]!.transaction_type_id,
    })
    .execute();
}

/** What a daily load does for `day` (0-based): the day's holdings, plus that day's changes. */
export async function simulateFixtureDay(database: SourceDatabase, day: number): Promise<void> {
  const { db } = database;
  const date = FIXTURE_DAYS[day]!;
  if (day === 1) {
    await db
      .updateTable('business')
      .set({ name: 'Business 1 Renamed', payment_level_id: 4, updated_at: sql`now()` })
      .where('yelp_id', '=', 'yelp-1')
      .execute();
    const link = await db
      .selectFrom('business_category_bridge')
      .innerJoin('business', 'business.business_id', 'business_category_bridge.business_id')
      .select(['business_category_bridge.business_id', 'business_category_bridge.category_id'])
      .where('business.yelp_id', '=', 'yelp-2')
      .executeTakeFirstOrThrow();
    await db
      .updateTable('business_category_bridge')
      .set({ valid_to: date, updated_at: sql`now()` })
      .where('business_id', '=', link.business_id)
      .where('category_id', '=', link.category_id)
      .execute();
  }
  if (day === 2) {
    const cities = await db.selectFrom('city').select(['city_id', 'county_id']).orderBy('city_id').execute();
    const categories = await db.selectFrom('business_category').select('category_id').execute();
    const transactions = await db.selectFrom('transaction_type').select('transaction_type_id').execute();
    await insertBusiness(database, 1000, cities, categories, transactions);
  }
  await sql`
    insert into business_holding (business_id, holding_date, rating, review_count)
    select business_id, ${date}::date, 3.5 + (business_id % 3) * 0.5, 10 * business_id + ${day} * (business_id % 4)
    from business
    on conflict (business_id, holding_date) do update
      set rating = excluded.rating, review_count = excluded.review_count, updated_at = now()
  `.execute(db);
  await db.updateTable('business').set({ last_seen: date }).where('last_seen', '<', date).execute();
}
