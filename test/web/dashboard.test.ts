import * as cheerio from 'cheerio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.ts';
import { MemoryCache } from '../../src/api/cache/memory.ts';
import { silentLogger } from '../../src/common/logger.ts';
import { createTestDatabase, databaseBackends, type TestDatabase } from '../support/database.ts';
import { testSettings } from '../support/settings.ts';

/** Two states, three businesses (one closed), holdings on two days, one failed run with a failing check. */
async function seed(database: TestDatabase) {
  const db = database.db;
  const { country_id } = await db
    .insertInto('country')
    .values({ country_code: 'US', country_name: 'United States' })
    .returning('country_id')
    .executeTakeFirstOrThrow();
  const states = await db
    .insertInto('state')
    .values([
      { state_name: 'Texas', state_code: 'TX', fips_code: '48', country_id },
      { state_name: 'Vermont', state_code: 'VT', fips_code: '50', country_id },
    ])
    .returning(['state_id', 'state_code'])
    .execute();
  const place: Record<string, { city_id: number; county_id: number }> = {};
  for (const [i, s] of states.entries()) {
    const county = await db
      .insertInto('county')
      .values({
        fips_code: `${s.state_code === 'TX' ? '48' : '50'}00${i + 1}`,
        county_name: `County ${i}`,
        state_id: s.state_id,
      })
      .returning('county_id')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('county_population')
      .values({ county_id: county.county_id, year: 2019, population: 200_000 })
      .execute();
    const city = await db
      .insertInto('city')
      .values({ city_name: `City ${i}`, state_id: s.state_id, county_id: county.county_id })
      .returning('city_id')
      .executeTakeFirstOrThrow();
    place[s.state_code] = { city_id: city.city_id, county_id: county.county_id };
  }
  const businesses = [
    { yelp_id: 'a', state: 'TX', price: 1, closed: false, reviews: [10, 14] },
    { yelp_id: 'b', state: 'TX', price: 2, closed: false, reviews: [5, 6] },
    { yelp_id: 'c', state: 'VT', price: null, closed: true, reviews: [3, 3] },
  ];
  for (const b of businesses) {
    const { business_id } = await db
      .insertInto('business')
      .values({
        yelp_id: b.yelp_id,
        alias: b.yelp_id,
        name: `Business <${b.yelp_id}>`,
        ...place[b.state]!,
        payment_level_id: b.price,
        is_closed: b.closed,
        first_seen: '2026-11-01',
        last_seen: '2026-11-02',
      })
      .returning('business_id')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('business_holding')
      .values([
        { business_id, holding_date: '2026-11-01', rating: 4, review_count: b.reviews[0]! },
        { business_id, holding_date: '2026-11-02', rating: 4.5, review_count: b.reviews[1]! },
      ])
      .execute();
  }
  const { run_id } = await db
    .insertInto('ops.pipeline_run')
    .values({ run_date: '2026-11-02', status: 'failed', ended_at: new Date() })
    .returning('run_id')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('ops.task_run')
    .values({ run_id, task_name: 'load_yelp', attempt: 1, status: 'failed', error: 'boom' })
    .execute();
  await db
    .insertInto('ops.check_result')
    .values({
      run_id,
      run_date: '2026-11-02',
      check_name: 'row_count',
      entity: 'business',
      severity: 'error',
      status: 'fail',
      expected: 3,
      actual: 2,
    })
    .execute();
}

describe.each(databaseBackends)('dashboard on %s', (backend) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(backend);
    await seed(database);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('is served by the API app and shows runs, failing checks, businesses by state and payment levels from the database', async () => {
    const app = await buildApp({
      settings: testSettings(),
      database,
      cache: new MemoryCache(),
      log: silentLogger,
    });
    const response = await app.inject({ method: 'GET', url: '/dashboard' });
    await app.close();
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/html');
    const $ = cheerio.load(response.body);
    const kpi = (name: string) => $(`[data-kpi="${name}"]`).text();
    expect([kpi('open'), kpi('closed'), kpi('latest')]).toEqual(['2', '1', '2026-11-02']);

    const rows = (section: string) =>
      $(`#${section} tbody tr`)
        .toArray()
        .map((tr) =>
          $(tr)
            .find('td')
            .toArray()
            .map((td) => $(td).text().trim())
            .filter(Boolean),
        );
    expect(rows('runs')).toEqual([
      [expect.any(String), '2026-11-02', 'failed', expect.any(String), 'load_yelp'],
    ]);
    expect(rows('checks')).toEqual([['row_count', 'business', 'error', '3', '2']]);
    // Only open businesses count: Texas has 2 (20 reviews on the latest day) for 200,000 people.
    expect(rows('states')).toEqual([['Texas (TX)', '2', '20', '1.00']]);
    expect(rows('payment')).toEqual([
      ['$ Very Low', '1', '4.50', '4'],
      ['$$ Low', '1', '4.50', '1'],
      ['? Unknown', '1', '4.50', '0'],
    ]);
    // Names are escaped, never markup.
    expect(response.body).not.toContain('<a>');
  });
});
