import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGeography } from '../../src/oltp/load/geography.ts';
import { withLoadTransaction } from '../../src/oltp/load/session.ts';
import { loadYelp } from '../../src/oltp/load/yelp.ts';
import type { YelpLine } from '../../src/sources/yelp-pull.ts';
import { rows } from '../e2e/truth.ts';
import { createTestDatabase, databaseBackends, type TestDatabase } from '../support/database.ts';

// Real Yelp formats the simulator's defaults do not show: Pacific review and event times, and the
// older review format whose user has no id.
const business = {
  id: 'biz-1',
  alias: 'biz-1-washington',
  name: 'Biz One',
  review_count: 3,
  categories: [{ alias: 'pizza', title: 'Pizza' }],
  rating: 4,
  coordinates: { latitude: 38.9, longitude: -77.03 },
  transactions: [],
  location: { address1: '1 K St', city: 'Washington', zip_code: '20001', country: 'US', state: 'DC' },
};

const review = (id: string, time: string, user: Record<string, unknown>) => ({
  id,
  url: `https://www.yelp.com/biz/biz-1?hrid=${id}`,
  text: 'Great.',
  rating: 5,
  time_created: time,
  user,
});

const lines: YelpLine[] = [
  { t: 'business', county: '11001', r: business },
  // 22:30 PST on the evening before the spring change (UTC-8): the next day in UTC.
  {
    t: 'review',
    business: 'biz-1',
    r: review('r-winter', '2026-03-07 22:30:00', { name: 'Ann B.', image_url: null }),
  },
  // July: daylight saving time, UTC-7.
  {
    t: 'review',
    business: 'biz-1',
    r: review('r-summer', '2026-07-04 22:30:00', { name: 'Ann B.', image_url: null }),
  },
  {
    t: 'review',
    business: 'biz-1',
    r: review('r-other', '2026-07-05 08:00:00', {
      name: 'Cy D.',
      image_url: 'https://s3-media1.fl.yelpcdn.com/photo/x/o.jpg',
    }),
  },
  {
    t: 'event',
    county: '11001',
    r: {
      id: 'ev-1',
      name: 'Pizza Night',
      time_start: '2026-11-01 01:30:00',
      time_end: '2026-11-01 23:00:00',
    },
  },
];

async function load(database: TestDatabase) {
  return withLoadTransaction(database, (session) =>
    loadYelp(session, '2026-07-06', { lines, categories: [] }),
  );
}

describe.each(databaseBackends)('Yelp review and event formats on %s', (backend) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(backend);
    await withLoadTransaction(database, (session) =>
      loadGeography(session, '2026-07-06', {
        states: [{ name: 'District of Columbia', code: 'DC' }],
        counties: [
          { fips: '11001', name: 'District of Columbia', stateFips: '11', stateName: 'District of Columbia' },
        ],
        population: [],
        quarantined: [],
      }),
    );
    await load(database);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('stores Pacific times as their UTC instants, daylight saving included', async () => {
    expect(
      await rows(
        database,
        `select yelp_review_id as id, to_char(created_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS') as utc
         from review order by yelp_review_id`,
      ),
    ).toEqual([
      { id: 'r-other', utc: '2026-07-05 15:00:00' },
      { id: 'r-summer', utc: '2026-07-05 05:30:00' },
      { id: 'r-winter', utc: '2026-03-08 06:30:00' },
    ]);
    // 01:30 on the autumn change day is still PDT (UTC-7); 23:00 that day is PST (UTC-8).
    expect(
      await rows(
        database,
        `select to_char(starts_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS') as starts,
                to_char(ends_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS') as ends from event`,
      ),
    ).toEqual([{ starts: '2026-11-01 08:30:00', ends: '2026-11-02 07:00:00' }]);
  });

  it('keeps reviews of users without an id under one derived, marked key each, also when loaded again', async () => {
    const users = async () =>
      rows<{ yelp_user_id: string; name: string; reviews: number }>(
        database,
        `select u.yelp_user_id, u.name, count(r.review_id)::int as reviews
         from yelp_user u join review r using (user_id) group by u.yelp_user_id, u.name order by u.name`,
      );
    const first = await users();
    expect(first.map((u) => [u.name, u.reviews])).toEqual([
      ['Ann B.', 2],
      ['Cy D.', 1],
    ]);
    for (const u of first) expect(u.yelp_user_id).toMatch(/^derived:[A-Za-z0-9_-]{22}$/);
    await load(database);
    expect(await users()).toEqual(first);
    expect(await rows(database, 'select count(*)::int as n from yelp_user')).toEqual([{ n: 2 }]);
  });
});
