import { afterEach, describe, expect, it } from 'vitest';
import { YelpClient } from '../../src/sources/yelp.ts';
import { loopback, sendJson, testHttp, yelpError } from './loopback.ts';

interface FakeBusiness {
  id: string;
  category: string;
  price: number | null;
  broken?: boolean;
}

function yelpBusiness(b: FakeBusiness) {
  return {
    id: b.id,
    alias: `alias-${b.id}`,
    ...(b.broken ? {} : { name: `Name ${b.id}` }),
    image_url: '',
    is_closed: false,
    url: `https://www.yelp.com/biz/${b.id}`,
    review_count: 3,
    categories: [{ alias: b.category, title: b.category }],
    rating: 4.5,
    coordinates: { latitude: 38.5, longitude: -77.1 },
    transactions: [],
    ...(b.price ? { price: '$'.repeat(b.price) } : {}),
    location: {
      address1: '1 Main St',
      address2: null,
      address3: '',
      city: 'Town',
      zip_code: '22030',
      country: 'US',
      state: 'VA',
    },
    phone: '',
    display_phone: '',
    distance: 12.5,
  };
}

let server: Awaited<ReturnType<typeof loopback>> | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A Yelp search that enforces limit + offset ≤ cap, filtering by category and price. */
async function fakeYelp(businesses: FakeBusiness[], cap: number) {
  const queries: string[] = [];
  server = await loopback((_req, res, url) => {
    const q = url.searchParams;
    if (url.pathname !== '/v3/businesses/search') return yelpError(res, 404, 'NOT_FOUND');
    queries.push(url.search);
    const limit = Number(q.get('limit') ?? 20);
    const offset = Number(q.get('offset') ?? 0);
    if (limit > 50 || limit + offset > cap) return yelpError(res, 400, 'VALIDATION_ERROR');
    let matches = businesses;
    if (q.get('categories')) matches = matches.filter((b) => b.category === q.get('categories'));
    if (q.get('price')) matches = matches.filter((b) => b.price === Number(q.get('price')));
    sendJson(res, 200, {
      businesses: matches.slice(offset, offset + limit).map(yelpBusiness),
      total: matches.length,
      region: { center: { latitude: 0, longitude: 0 } },
    });
  });
  return { url: server.url, queries };
}

const many = (n: number, category: string, price: (i: number) => number | null): FakeBusiness[] =>
  Array.from({ length: n }, (_, i) => ({ id: `${category}-${i}`, category, price: price(i) }));

describe('YelpClient.search', () => {
  it('pages through a location under the depth cap with limit 50', async () => {
    const { url, queries } = await fakeYelp(
      many(120, 'food', () => 1),
      1000,
    );
    const result = await new YelpClient(testHttp(url), 1000).search('Fairfax County, VA', ['food']);
    expect(result.businesses.size).toBe(120);
    expect(result.complete).toBe(true);
    expect(queries).toHaveLength(3);
    expect(queries.every((q) => q.includes('limit=50') && q.includes('location=Fairfax+County%2C+VA'))).toBe(
      true,
    );
  });

  it('splits by top-level category, then by price, to reach every business above the cap', async () => {
    const businesses = [
      ...many(150, 'food', (i) => (i % 4) + 1),
      ...many(60, 'shopping', (i) => (i % 2) + 1),
      ...many(20, 'nightlife', () => 3),
    ];
    const { url, queries } = await fakeYelp(businesses, 100);
    const result = await new YelpClient(testHttp(url), 100).search('Big County, CA', [
      'food',
      'nightlife',
      'shopping',
    ]);
    expect(result.businesses.size).toBe(230);
    expect(result.complete).toBe(true);
    expect([...result.businesses.keys()].sort()).toEqual(businesses.map((b) => b.id).sort());
    // food (150 > cap) needed the price split; shopping and nightlife fit under the cap.
    expect(queries.some((q) => q.includes('categories=food') && q.includes('price=4'))).toBe(true);
    expect(queries.some((q) => q.includes('categories=shopping') && q.includes('price='))).toBe(false);
    expect(queries.every((q) => !q.includes('offset=100'))).toBe(true);
  });

  it('marks a location incomplete when businesses without a price stay out of reach', async () => {
    const { url } = await fakeYelp(
      many(150, 'food', (i) => (i < 20 ? null : 1)),
      100,
    );
    const result = await new YelpClient(testHttp(url), 100).search('Big County, CA', ['food']);
    expect(result.complete).toBe(false);
    expect(result.businesses.size).toBeLessThan(150);
  });

  it('quarantines a record that fails validation and keeps the rest of the page', async () => {
    const businesses = many(30, 'food', () => 2);
    businesses[7] = { ...businesses[7]!, broken: true };
    const { url } = await fakeYelp(businesses, 1000);
    const result = await new YelpClient(testHttp(url), 1000).search('Small County, VT', ['food']);
    expect(result.businesses.size).toBe(29);
    expect(result.quarantined).toHaveLength(1);
    expect(result.quarantined[0]).toMatchObject({ entity: 'business', key: 'food-7' });
    expect(result.quarantined[0]!.reason).toMatch(/^invalid business: name/);
  });
});

describe('YelpClient details, reviews and categories', () => {
  it('reads is_closed from details and treats an unknown business as closed', async () => {
    server = await loopback((_req, res, url) => {
      if (url.pathname === '/v3/businesses/open-one')
        return sendJson(res, 200, { id: 'open-one', is_closed: false });
      if (url.pathname === '/v3/businesses/shut') return sendJson(res, 200, { id: 'shut', is_closed: true });
      yelpError(res, 404, 'BUSINESS_NOT_FOUND');
    });
    const client = new YelpClient(testHttp(server.url), 240);
    expect(await client.isClosed('open-one')).toBe(false);
    expect(await client.isClosed('shut')).toBe(true);
    expect(await client.isClosed('gone')).toBe(true);
  });

  it('validates reviews and categories one by one', async () => {
    server = await loopback((_req, res, url) => {
      if (url.pathname === '/v3/categories') {
        return sendJson(res, 200, {
          categories: [
            { alias: 'food', title: 'Food', parent_aliases: [] },
            { alias: 'pizza', title: 'Pizza', parent_aliases: ['food'] },
            { alias: 'bad' },
          ],
        });
      }
      sendJson(res, 200, {
        reviews: [
          {
            id: 'r1',
            url: 'u',
            text: 't',
            rating: 5,
            time_created: '2025-01-02 03:04:05',
            user: { id: 'u1', name: 'A B.' },
          },
          { id: 'r2', rating: 9, time_created: 'yesterday', user: { id: 'u2' } },
        ],
      });
    });
    const client = new YelpClient(testHttp(server.url), 240);
    const categories = await client.categories();
    expect(categories.categories).toHaveLength(2);
    expect(categories.quarantined).toMatchObject([{ entity: 'category', key: 'bad' }]);
    const reviews = await client.reviews('b1');
    expect(reviews.reviews).toHaveLength(1);
    expect(reviews.quarantined).toMatchObject([{ entity: 'review', key: 'r2' }]);
  });
});
