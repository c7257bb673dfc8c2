import type { Kysely } from 'kysely';
import type { Schema } from '../../src/oltp/schema.ts';

/** A small typed builder for API test data, inserting through Kysely. */
export class FixtureBuilder {
  private countryId: number | undefined;

  constructor(private readonly db: Kysely<Schema>) {}

  private async country() {
    this.countryId ??= (
      await this.db
        .insertInto('country')
        .values({ country_code: 'US', country_name: 'United States' })
        .returning('country_id')
        .executeTakeFirstOrThrow()
    ).country_id;
    return this.countryId;
  }

  async state(code: string, name: string, fips: string) {
    const row = await this.db
      .insertInto('state')
      .values({ state_code: code, state_name: name, fips_code: fips, country_id: await this.country() })
      .returning('state_id')
      .executeTakeFirstOrThrow();
    return row.state_id;
  }

  async county(stateId: number, fips: string, name: string, population?: Record<number, number>) {
    const { county_id } = await this.db
      .insertInto('county')
      .values({ state_id: stateId, fips_code: fips, county_name: name })
      .returning('county_id')
      .executeTakeFirstOrThrow();
    for (const [year, count] of Object.entries(population ?? {})) {
      await this.db
        .insertInto('county_population')
        .values({ county_id, year: Number(year), population: count })
        .execute();
    }
    return county_id;
  }

  async city(stateId: number, countyId: number, name: string) {
    const row = await this.db
      .insertInto('city')
      .values({ state_id: stateId, county_id: countyId, city_name: name })
      .returning('city_id')
      .executeTakeFirstOrThrow();
    return row.city_id;
  }

  async category(alias: string, title: string) {
    const row = await this.db
      .insertInto('business_category')
      .values({ alias, title })
      .returning('category_id')
      .executeTakeFirstOrThrow();
    return row.category_id;
  }

  async transactionType(name: string) {
    const row = await this.db
      .insertInto('transaction_type')
      .values({ name })
      .returning('transaction_type_id')
      .executeTakeFirstOrThrow();
    return row.transaction_type_id;
  }

  async business(spec: {
    name: string;
    cityId: number;
    countyId: number;
    price?: number | null;
    isClosed?: boolean;
    validTo?: string;
    categoryIds?: number[];
    transactionTypeIds?: number[];
    /** [date, rating, reviewCount] */
    holdings?: [string, number, number][];
  }) {
    const alias = spec.name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
    const { business_id } = await this.db
      .insertInto('business')
      .values({
        yelp_id: `yelp-${alias}`,
        alias,
        name: spec.name,
        url: `https://www.yelp.com/biz/${alias}`,
        phone: '+19195550100',
        display_phone: '(919) 555-0100',
        payment_level_id: spec.price ?? null,
        latitude: 35.78,
        longitude: -78.64,
        address1: '1 Main St',
        zip_code: '27601',
        city_id: spec.cityId,
        county_id: spec.countyId,
        distance_m: 1200.5,
        is_closed: spec.isClosed ?? false,
        first_seen: '2026-01-01',
        last_seen: '2026-01-03',
        valid_to: spec.validTo ?? null,
      })
      .returning('business_id')
      .executeTakeFirstOrThrow();
    for (const category_id of spec.categoryIds ?? []) {
      await this.db.insertInto('business_category_bridge').values({ business_id, category_id }).execute();
    }
    for (const transaction_type_id of spec.transactionTypeIds ?? []) {
      await this.db
        .insertInto('business_transaction_bridge')
        .values({ business_id, transaction_type_id })
        .execute();
    }
    for (const [holding_date, rating, review_count] of spec.holdings ?? []) {
      await this.db
        .insertInto('business_holding')
        .values({ business_id, holding_date, rating, review_count })
        .execute();
    }
    return business_id;
  }
}

export interface Seed {
  businesses: Record<
    'pizza' | 'noodles' | 'coffee' | 'closedDiner' | 'gone' | 'newcomer' | 'virginia',
    number
  >;
}

/**
 * Two states, three counties, three cities, seven businesses: enough for every filter, sort and
 * page boundary the tests look at.
 */
export async function seedStandard(db: Kysely<Schema>): Promise<Seed> {
  const f = new FixtureBuilder(db);
  const nc = await f.state('NC', 'North Carolina', '37');
  const va = await f.state('VA', 'Virginia', '51');
  const wake = await f.county(nc, '37183', 'Wake County', { 2022: 1_150_000, 2023: 1_175_000 });
  const durham = await f.county(nc, '37063', 'Durham County', { 2023: 330_000 });
  const fairfax = await f.county(va, '51059', 'Fairfax County', { 2023: 1_140_000 });
  const raleigh = await f.city(nc, wake, 'Raleigh');
  const durhamCity = await f.city(nc, durham, 'Durham');
  const fairfaxCity = await f.city(va, fairfax, 'Fairfax');
  const pizzaCat = await f.category('pizza', 'Pizza');
  const chinese = await f.category('chinese', 'Chinese');
  const coffeeCat = await f.category('coffee', 'Coffee & Tea');
  const pickup = await f.transactionType('pickup');
  const delivery = await f.transactionType('delivery');
  const days = (ratings: [number, number][]) =>
    ratings.map(([rating, reviews], i) => [`2026-01-0${i + 1}`, rating, reviews] as [string, number, number]);
  return {
    businesses: {
      pizza: await f.business({
        name: 'Raleigh Pizza 100%',
        cityId: raleigh,
        countyId: wake,
        price: 2,
        categoryIds: [pizzaCat],
        transactionTypeIds: [pickup, delivery],
        holdings: days([
          [4.0, 100],
          [4.5, 120],
          [4.5, 130],
        ]),
      }),
      noodles: await f.business({
        name: 'Golden Noodle',
        cityId: raleigh,
        countyId: wake,
        price: 1,
        categoryIds: [chinese],
        transactionTypeIds: [delivery],
        holdings: days([
          [3.5, 40],
          [3.0, 45],
        ]),
      }),
      coffee: await f.business({
        name: 'Bean There',
        cityId: durhamCity,
        countyId: durham,
        price: 1,
        categoryIds: [coffeeCat],
        holdings: days([[5.0, 12]]),
      }),
      closedDiner: await f.business({
        name: 'Closed Diner',
        cityId: durhamCity,
        countyId: durham,
        price: 3,
        isClosed: true,
        categoryIds: [chinese],
        holdings: days([[2.0, 7]]),
      }),
      gone: await f.business({
        name: 'Gone Burger',
        cityId: raleigh,
        countyId: wake,
        validTo: '2026-01-02',
        holdings: days([[3.0, 3]]),
      }),
      newcomer: await f.business({ name: 'Newcomer Tacos', cityId: raleigh, countyId: wake }),
      virginia: await f.business({
        name: 'Fairfax Pizza_Co',
        cityId: fairfaxCity,
        countyId: fairfax,
        price: 4,
        categoryIds: [pizzaCat],
        holdings: days([[4.0, 300]]),
      }),
    },
  };
}
