import { sql } from 'kysely';
import { expect } from 'vitest';
import { silentLogger } from '../../src/common/logger.ts';
import type { Settings } from '../../src/config/settings.ts';
import type { SourceDatabase } from '../../src/oltp/database.ts';
import { selectTasks } from '../../src/orchestrator/graph.ts';
import { dailyGraph } from '../../src/orchestrator/pipeline.ts';
import { runGraph } from '../../src/orchestrator/runner.ts';
import type { GroundTruth, SimulatorServer, TruthBusiness } from '../../src/simulator/index.ts';
import type { TestDatabase } from '../support/database.ts';

// Kept here for the suites that import it from the e2e helpers.
export { simSettings } from '../support/settings.ts';

/** What the database holds, in the simulator's terms, for exact comparison with its ground truth. */

export async function rows<T>(database: SourceDatabase, text: string): Promise<T[]> {
  return (await sql.raw<T>(text).execute(database.db)).rows;
}

const byKey =
  <T>(key: (row: T) => string) =>
  (a: T, b: T) =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;

/**
 * The West's states: a simulator serving only their counties (`censusStates`) answers a run's
 * searches in a tenth of the country-wide time; four times the businesses keep as many served.
 */
export const WEST = ['CA', 'NV', 'OR', 'WA', 'AZ'];

/**
 * The truth as a simulator started with `censusStates` serves it: Census lists only those states'
 * states and counties, so a run loads only those and searches only their businesses.
 */
export function servedTruth(truth: GroundTruth, censusStates: string[]): GroundTruth {
  const codes = new Set(censusStates);
  const fips = new Set(truth.states.filter((s) => codes.has(s.code)).map((s) => s.fips));
  const counties = truth.counties.filter((c) => fips.has(c.stateFips));
  const countyFips = new Set(counties.map((c) => c.fips));
  const businesses = truth.businesses.filter((b) => codes.has(b.state));
  const ids = new Set(businesses.map((b) => b.id));
  return {
    ...truth,
    states: truth.states.filter((s) => codes.has(s.code)),
    counties,
    countyPopulation: truth.countyPopulation.filter((p) => countyFips.has(p.countyFips)),
    businesses,
    reviews: truth.reviews.filter((r) => ids.has(r.businessId)),
    events: truth.events.filter((e) => countyFips.has(e.countyFips)),
  };
}

export function truthStates(truth: GroundTruth) {
  return truth.states.map((s) => ({ fips: s.fips, name: s.name, code: s.code })).sort(byKey((s) => s.fips));
}

export async function dbStates(database: SourceDatabase) {
  return rows(
    database,
    `select fips_code as fips, state_name as name, state_code as code from state
     where fips_code is not null order by fips_code`,
  );
}

export function truthCounties(truth: GroundTruth) {
  return truth.counties
    .map((c) => ({ fips: c.fips, name: c.name, stateFips: c.stateFips }))
    .sort(byKey((c) => c.fips));
}

export async function dbCounties(database: SourceDatabase) {
  return rows(
    database,
    `select c.fips_code as fips, c.county_name as name, s.fips_code as "stateFips"
     from county c join state s using (state_id) order by c.fips_code`,
  );
}

export function truthPopulation(truth: GroundTruth) {
  return truth.countyPopulation
    .map((p) => ({ countyFips: p.countyFips, year: p.year, population: p.population }))
    .sort(byKey((p) => `${p.countyFips}:${p.year}`));
}

export async function dbPopulation(database: SourceDatabase) {
  return rows(
    database,
    `select c.fips_code as "countyFips", p.year, p.population
     from county_population p join county c using (county_id) order by c.fips_code, p.year`,
  );
}

export function truthCategories(truth: GroundTruth) {
  return truth.categories
    .map((c) => ({ alias: c.alias, title: c.title, parent: c.parentAliases[0] ?? null }))
    .sort(byKey((c) => c.alias));
}

export async function dbCategories(database: SourceDatabase) {
  return rows(database, 'select alias, title, parent_alias as parent from business_category order by alias');
}

/** A business as the database describes it, in TruthBusiness terms (rating and count from the day's holding). */
export function truthBusiness(b: TruthBusiness) {
  return {
    id: b.id,
    alias: b.alias,
    name: b.name,
    url: b.url,
    imageUrl: b.imageUrl,
    phone: b.phone,
    displayPhone: b.displayPhone,
    price: b.price,
    rating: b.rating,
    reviewCount: b.reviewCount,
    categories: b.categories.map((c) => c.alias).sort(),
    transactions: [...b.transactions].sort(),
    latitude: Number(b.latitude.toFixed(6)),
    longitude: Number(b.longitude.toFixed(6)),
    address1: b.address1,
    address2: b.address2 || null,
    address3: b.address3 || null,
    city: b.city,
    zipCode: b.zipCode,
    state: b.state,
    countyFips: b.countyFips,
    distance: b.distance,
  };
}

/** Open businesses with the day's holding and their current bridges. */
export async function dbOpenBusinesses(database: SourceDatabase, date: string) {
  const list = await rows<ReturnType<typeof truthBusiness>>(
    database,
    `select b.yelp_id as id, b.alias, b.name, b.url, b.image_url as "imageUrl", b.phone,
            b.display_phone as "displayPhone", p.symbol as price, h.rating, h.review_count as "reviewCount",
            coalesce((select array_agg(c.alias order by c.alias) from business_category_bridge br
                      join business_category c using (category_id)
                      where br.business_id = b.business_id and br.valid_to is null), '{}') as categories,
            coalesce((select array_agg(t.name order by t.name) from business_transaction_bridge br
                      join transaction_type t using (transaction_type_id)
                      where br.business_id = b.business_id and br.valid_to is null), '{}') as transactions,
            b.latitude, b.longitude, b.address1, b.address2, b.address3, ci.city_name as city,
            b.zip_code as "zipCode", s.state_code as state, co.fips_code as "countyFips",
            b.distance_m as distance
     from business b
     left join payment_level p using (payment_level_id)
     left join business_holding h on h.business_id = b.business_id and h.holding_date = '${date}'
     join city ci on ci.city_id = b.city_id
     join state s on s.state_id = ci.state_id
     join county co on co.county_id = b.county_id
     where not b.is_closed
     order by b.yelp_id`,
  );
  // The collation of array_agg's order may differ from JS; compare as sorted lists.
  return list.map((b) => ({
    ...b,
    categories: [...b.categories].sort(),
    transactions: [...b.transactions].sort(),
  }));
}

/** Every table a load writes, in primary-key order: to prove a re-run changes nothing. */
export async function dumpTables(database: SourceDatabase): Promise<Record<string, unknown[]>> {
  const tables: Record<string, string> = {
    country: 'country_id',
    state: 'state_id',
    county: 'county_id',
    county_population: 'county_id, year',
    city: 'city_id',
    business: 'business_id',
    business_category: 'category_id',
    business_category_bridge: 'business_id, category_id',
    transaction_type: 'transaction_type_id',
    business_transaction_bridge: 'business_id, transaction_type_id',
    business_holding: 'business_id, holding_date',
    yelp_user: 'user_id',
    review: 'review_id',
    event_category: 'event_category_id',
    event: 'event_id',
    'ops.quarantine': 'quarantine_id',
  };
  const dump: Record<string, unknown[]> = {};
  for (const [table, order] of Object.entries(tables)) {
    dump[table] = await rows(database, `select * from ${table} order by ${order}`);
  }
  return dump;
}

/** The extract and load part of the daily graph (other stages' tasks are theirs to test). */
export async function runDay(sim: SimulatorServer, settings: Settings, database: TestDatabase, date: string) {
  sim.setDate(date);
  return runGraph({
    graph: selectTasks(dailyGraph(), ['load_yelp'], true),
    runDate: date,
    settings,
    database,
    log: silentLogger,
  });
}

/** Asserts that every table equals the simulator's truth of `date` (minus businesses set aside). */
export async function expectMatchesTruth(database: TestDatabase, truth: GroundTruth, skip: Set<string>) {
  expect(await dbStates(database)).toEqual(truthStates(truth));
  expect(await dbCounties(database)).toEqual(truthCounties(truth));
  expect(await dbPopulation(database)).toEqual(truthPopulation(truth));
  expect(await dbCategories(database)).toEqual(truthCategories(truth));
  const expected = truth.businesses.filter((b) => !skip.has(b.id)).map(truthBusiness);
  expected.sort((a, b) => (a.id < b.id ? -1 : 1));
  expect(await dbOpenBusinesses(database, truth.date)).toEqual(expected);
}

/**
 * A dump two databases can be compared by: without wall-clock columns and transaction ids. Surrogate keys are compared
 * as they are: a load gives ids from the rows it finds, not from sequences a killed load moved on.
 * Only the quarantine's ids (operations, not data) come from its sequence: renumbered by order.
 */
export function comparable(dump: Record<string, unknown[]>) {
  const quarantine = new Map(
    (dump['ops.quarantine'] ?? []).map((row, i) => [
      (row as { quarantine_id: unknown }).quarantine_id,
      i + 1,
    ]),
  );
  return Object.fromEntries(
    Object.entries(dump).map(([table, list]) => [
      table,
      list.map((row) => {
        const { updated_at: _updated, change_xid: _xid, ...rest } = row as Record<string, unknown>;
        // review.created_at is Yelp's time_created; the quarantine's is the clock.
        if (table === 'ops.quarantine') {
          delete rest.created_at;
          rest.quarantine_id = quarantine.get(rest.quarantine_id);
        }
        return rest;
      }),
    ]),
  );
}
