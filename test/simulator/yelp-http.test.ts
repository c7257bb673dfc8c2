import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type GroundTruth,
  type SimulatorServer,
  startSimulator,
  type TruthBusiness,
} from '../../src/simulator/index.ts';
import { get, type Json, YELP_AUTH, yelp } from './http.ts';

const DATE = '2026-11-25';
let server: SimulatorServer;
let truth: GroundTruth;
let countyNames: Map<string, string>;

beforeAll(async () => {
  server = await startSimulator({ businesses: 1500, seed: 11, date: DATE });
  truth = server.world.truth(DATE);
  const states = new Map(truth.states.map((s) => [s.fips, s.code]));
  countyNames = new Map(truth.counties.map((c) => [c.fips, `${c.name}, ${states.get(c.stateFips)}`]));
});
afterAll(() => server.close());

/** Counties by number of open businesses, largest first. */
function busiestCounties(): [string, TruthBusiness[]][] {
  const by = new Map<string, TruthBusiness[]>();
  for (const b of truth.businesses) by.set(b.countyFips, [...(by.get(b.countyFips) ?? []), b]);
  return [...by.entries()].sort((a, b) => b[1].length - a[1].length);
}

function searchPath(countyFips: string, params: Record<string, string | number> = {}): string {
  const query = new URLSearchParams({ location: countyNames.get(countyFips)!, ...params } as Record<
    string,
    string
  >);
  return `/v3/businesses/search?${query}`;
}

/** Pages through a search with `pageSize` until `total` is reached. */
async function searchAll(countyFips: string, pageSize: number, params: Record<string, string> = {}) {
  const seen: Json[] = [];
  let total = Number.POSITIVE_INFINITY;
  for (let offset = 0; offset < total; offset += pageSize) {
    const { status, body } = await yelp(
      server.url,
      searchPath(countyFips, { ...params, limit: pageSize, offset }),
    );
    expect(status).toBe(200);
    total = body.total;
    seen.push(...body.businesses);
    if (body.businesses.length === 0) break;
  }
  return { businesses: seen, total };
}

/** Yelp serves times as Pacific wall-clock time; the truth holds instants (sv-SE formats YYYY-MM-DD HH:MM:SS). */
const pacific = (instant: string) =>
  new Date(instant).toLocaleString('sv-SE', { timeZone: 'America/Los_Angeles' });

describe('Yelp search', () => {
  it('pages through exactly the truth businesses of a county, in Yelp shape', async () => {
    for (const [fips, expected] of busiestCounties().slice(0, 3)) {
      const { businesses, total } = await searchAll(fips, 7);
      expect(total).toBe(expected.length);
      expect(businesses.map((b) => b.id).sort()).toEqual(expected.map((b) => b.id).sort());
      const byId = new Map(expected.map((b) => [b.id, b]));
      for (const b of businesses) {
        const t = byId.get(b.id)!;
        expect(b).toMatchObject({
          alias: t.alias,
          name: t.name,
          is_closed: false,
          url: t.url,
          image_url: t.imageUrl,
          review_count: t.reviewCount,
          rating: t.rating,
          categories: t.categories,
          transactions: t.transactions,
          coordinates: { latitude: t.latitude, longitude: t.longitude },
          location: {
            address1: t.address1,
            address2: t.address2,
            address3: t.address3,
            city: t.city,
            zip_code: t.zipCode,
            country: 'US',
            state: t.state,
          },
          phone: t.phone,
          display_phone: t.displayPhone,
          distance: t.distance,
        });
        if (t.price === null) expect(b).not.toHaveProperty('price');
        else expect(b.price).toBe(t.price);
        expect(b.location.display_address.at(-1)).toBe(`${t.city}, ${t.state} ${t.zipCode}`);
      }
    }
  });

  it('keeps the order stable so pages never overlap, for every sort', async () => {
    const [fips, expected] = busiestCounties()[0]!;
    for (const sort of ['best_match', 'rating', 'review_count', 'distance']) {
      const { businesses } = await searchAll(fips, 5, { sort_by: sort });
      expect(new Set(businesses.map((b) => b.id)).size).toBe(expected.length);
    }
    const { businesses } = await searchAll(fips, 50, { sort_by: 'distance' });
    const distances = businesses.map((b) => b.distance);
    expect([...distances].sort((a, b) => a - b)).toEqual(distances);
  });

  it('returns region and an empty list past the end', async () => {
    const [fips, expected] = busiestCounties()[0]!;
    const { status, body } = await yelp(server.url, searchPath(fips, { offset: expected.length, limit: 10 }));
    expect(status).toBe(200);
    expect(Object.keys(body)).toEqual(['businesses', 'total', 'region']);
    expect(body.businesses).toEqual([]);
    expect(body.region.center).toEqual({ latitude: expect.any(Number), longitude: expect.any(Number) });
  });

  it('filters by categories (OR, a parent matches its children) and price', async () => {
    const [fips, expected] = busiestCounties()[0]!;
    const restaurantAliases = new Set(
      truth.categories.filter((c) => c.parentAliases.includes('restaurants')).map((c) => c.alias),
    );
    const restaurants = await searchAll(fips, 50, { categories: 'restaurants' });
    expect(restaurants.businesses.map((b) => b.id).sort()).toEqual(
      expected
        .filter((b) => b.categories.some((c) => restaurantAliases.has(c.alias)))
        .map((b) => b.id)
        .sort(),
    );
    const pizzaOrBars = await searchAll(fips, 50, { categories: 'pizza,bars' });
    expect(pizzaOrBars.total).toBe(
      expected.filter((b) => b.categories.some((c) => c.alias === 'pizza' || c.alias === 'bars')).length,
    );
    const cheap = await searchAll(fips, 50, { price: '1,2' });
    expect(cheap.businesses.map((b) => b.id).sort()).toEqual(
      expected
        .filter((b) => b.price === '$' || b.price === '$$')
        .map((b) => b.id)
        .sort(),
    );
    expect(cheap.total).toBeGreaterThan(0);
  });

  it('resolves "County, ST", a full state name, and rejects unknown or missing locations', async () => {
    const [fips, expected] = busiestCounties()[0]!;
    const county = truth.counties.find((c) => c.fips === fips)!;
    const state = truth.states.find((s) => s.fips === county.stateFips)!;
    const full = await yelp(
      server.url,
      `/v3/businesses/search?${new URLSearchParams({ location: `${county.name}, ${state.name}` })}`,
    );
    expect(full.body.total).toBe(expected.length);
    const unknown = await yelp(server.url, '/v3/businesses/search?location=Atlantis%20County,%20ZZ');
    expect(unknown).toMatchObject({
      status: 400,
      body: {
        error: {
          code: 'LOCATION_NOT_FOUND',
          description: 'Could not execute search, try specifying a more exact location.',
        },
      },
    });
    const missing = await yelp(server.url, '/v3/businesses/search?limit=5');
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe('VALIDATION_ERROR');
  });

  it('resolves a bare county name shared by many states to one of them, and coordinates to a county', async () => {
    const bare = await yelp(server.url, '/v3/businesses/search?location=Washington%20County&limit=50');
    expect(bare.status).toBe(200);
    // Documented choice: the lowest FIPS among the namesakes (Washington County, Alabama).
    expect(bare.body.total).toBe(truth.businesses.filter((b) => b.countyFips === '01129').length);
    const [fips, expected] = busiestCounties()[0]!;
    const { body } = await yelp(server.url, searchPath(fips, { limit: 1 }));
    const { latitude, longitude } = body.region.center;
    const byPoint = await yelp(
      server.url,
      `/v3/businesses/search?latitude=${latitude}&longitude=${longitude}&limit=1`,
    );
    expect(byPoint.body.total).toBe(expected.length);
    expect(byPoint.body.region.center).toEqual(body.region.center);
  });

  it('rejects limit 51 and limit+offset beyond the depth cap with Yelp bodies', async () => {
    const [fips] = busiestCounties()[0]!;
    const tooBig = await yelp(server.url, searchPath(fips, { limit: 51 }));
    expect(tooBig).toMatchObject({
      status: 400,
      body: {
        error: {
          code: 'VALIDATION_ERROR',
          description: 'The supplied limit: 51 is invalid, the maximum is 50.',
        },
      },
    });
    const deep = await yelp(server.url, searchPath(fips, { limit: 50, offset: 951 }));
    expect(deep).toMatchObject({
      status: 400,
      body: {
        error: {
          code: 'VALIDATION_ERROR',
          description: 'Too many results requested, limit+offset must be <= 1000.',
        },
      },
    });
    expect((await yelp(server.url, searchPath(fips, { limit: 50, offset: 950 }))).status).toBe(200);
  });

  it('applies a 240 cap to limit+offset and to total in the 240 regime', async () => {
    const small = await startSimulator({ businesses: 20_000, seed: 3, date: DATE, searchDepthCap: 240 });
    try {
      const smallTruth = small.world.truth(DATE);
      const counts = new Map<string, number>();
      for (const b of smallTruth.businesses) counts.set(b.countyFips, (counts.get(b.countyFips) ?? 0) + 1);
      const [busiest, count] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]!;
      expect(count).toBeGreaterThan(240);
      const county = smallTruth.counties.find((c) => c.fips === busiest)!;
      const state = smallTruth.states.find((s) => s.fips === county.stateFips)!;
      const location = encodeURIComponent(`${county.name}, ${state.code}`);
      const first = await yelp(small.url, `/v3/businesses/search?location=${location}&limit=50`);
      expect(first.body.total).toBe(240);
      const deep = await yelp(small.url, `/v3/businesses/search?location=${location}&limit=50&offset=200`);
      expect(deep.body.error).toEqual({
        code: 'VALIDATION_ERROR',
        description: 'Too many results requested, limit+offset must be <= 240.',
      });
    } finally {
      await small.close();
    }
  });
});

describe('Yelp auth, quota and headers', () => {
  it('answers TOKEN_MISSING and TOKEN_INVALID', async () => {
    const path = `${server.url}/v3/categories`;
    const missing = await get(path);
    expect(missing.status).toBe(401);
    expect(JSON.parse(missing.text)).toEqual({
      error: {
        code: 'TOKEN_MISSING',
        description: 'An access token must be supplied in order to use this endpoint.',
      },
    });
    expect(JSON.parse((await get(`${path}?access_token=sim-yelp-key`)).text).error.code).toBe(
      'TOKEN_MISSING',
    );
    const wrong = await get(path, { authorization: 'Bearer nope' });
    expect(wrong.status).toBe(401);
    expect(JSON.parse(wrong.text).error.code).toBe('TOKEN_INVALID');
  });

  it('sends rate-limit headers and enforces the daily quota per simulated day', async () => {
    const quota = await startSimulator({ businesses: 50, seed: 1, date: DATE, dailyQuota: 2 });
    try {
      const first = await get(`${quota.url}/v3/categories`, YELP_AUTH);
      expect(first.headers['ratelimit-dailylimit']).toBe('2');
      expect(first.headers['ratelimit-remaining']).toBe('1');
      expect(first.headers['ratelimit-resettime']).toBe('2026-11-26T00:00:00+00:00');
      expect((await get(`${quota.url}/v3/categories`, YELP_AUTH)).status).toBe(200);
      const over = await get(`${quota.url}/v3/categories`, YELP_AUTH);
      expect(over.status).toBe(429);
      expect(JSON.parse(over.text).error.code).toBe('ACCESS_LIMIT_REACHED');
      expect(over.headers['ratelimit-remaining']).toBe('0');
      quota.setDate('2026-11-26');
      expect((await get(`${quota.url}/v3/categories`, YELP_AUTH)).status).toBe(200);
    } finally {
      await quota.close();
    }
  });

  it('answers 429 TOO_MANY_REQUESTS_PER_SECOND above the per-second limit', async () => {
    const limited = await startSimulator({ businesses: 50, seed: 1, date: DATE, perSecondLimit: 2 });
    try {
      const statuses = await Promise.all(
        Array.from({ length: 12 }, () => get(`${limited.url}/v3/categories`, YELP_AUTH)),
      );
      const rejected = statuses.filter((r) => r.status === 429);
      // 12 requests fit in at most a few wall-clock seconds, 2 allowed in each.
      expect(rejected.length).toBeGreaterThan(0);
      expect(JSON.parse(rejected[0]!.text).error.code).toBe('TOO_MANY_REQUESTS_PER_SECOND');
    } finally {
      await limited.close();
    }
  });
});

describe('Yelp details, reviews, events, categories', () => {
  it('serves details of open and closed businesses and 404 for unknown ones', async () => {
    const b = truth.businesses[0]!;
    const details = await yelp(server.url, `/v3/businesses/${b.id}`);
    expect(details.status).toBe(200);
    expect(details.body).toMatchObject({
      id: b.id,
      alias: b.alias,
      name: b.name,
      is_closed: false,
      rating: b.rating,
    });
    expect(details.body).not.toHaveProperty('distance');
    const byAlias = await yelp(server.url, `/v3/businesses/${encodeURIComponent(b.alias)}`);
    expect(byAlias.body.id).toBe(b.id);
    const closed = truth.closedBusinesses[0]!;
    const closedDetails = await yelp(server.url, `/v3/businesses/${closed.id}`);
    expect(closedDetails.body).toMatchObject({ id: closed.id, is_closed: true });
    const unknown = await yelp(server.url, '/v3/businesses/AAAAAAAAAAAAAAAAAAAAAA');
    expect(unknown).toMatchObject({
      status: 404,
      body: {
        error: { code: 'BUSINESS_NOT_FOUND', description: 'The requested business could not be found.' },
      },
    });
  });

  it('serves the truth reviews of a business in Yelp shape', async () => {
    for (const b of truth.businesses.slice(0, 20)) {
      const { status, body } = await yelp(server.url, `/v3/businesses/${b.id}/reviews`);
      expect(status).toBe(200);
      expect(body.total).toBe(b.reviewCount);
      expect(body.possible_languages).toEqual(['en']);
      const expected = truth.reviews.filter((r) => r.businessId === b.id);
      expect(
        body.reviews.map((r: Json) => [r.id, r.url, r.text, r.rating, r.time_created, Object.values(r.user)]),
      ).toEqual(
        expected.map((r) => [
          r.id,
          r.url,
          r.text,
          r.rating,
          pacific(`${r.timeCreated.replace(' ', 'T')}Z`),
          Object.values(r.user),
        ]),
      );
      for (const r of body.reviews) {
        expect(Object.keys(r)).toEqual(['id', 'url', 'text', 'rating', 'time_created', 'user']);
        expect(Object.keys(r.user)).toEqual(['id', 'profile_url', 'image_url', 'name']);
      }
    }
  });

  it('serves the truth events of every county that has some', async () => {
    const byCounty = new Map<string, typeof truth.events>();
    for (const e of truth.events) byCounty.set(e.countyFips, [...(byCounty.get(e.countyFips) ?? []), e]);
    let served = 0;
    for (const [fips, expected] of byCounty) {
      const query = new URLSearchParams({ location: countyNames.get(fips)!, limit: '50' });
      const { status, body } = await yelp(server.url, `/v3/events?${query}`);
      expect(status).toBe(200);
      expect(body.total).toBe(expected.length);
      expect(body.events.map((e: Json) => e.id)).toEqual(expected.map((e) => e.id));
      for (const [i, e] of body.events.entries()) {
        expect(e).toMatchObject({
          name: expected[i]!.name,
          category: expected[i]!.category,
          business_id: expected[i]!.businessId,
          time_start: pacific(expected[i]!.timeStart),
          location: { city: expected[i]!.city, zip_code: expected[i]!.zipCode, state: expected[i]!.state },
        });
      }
      served += body.events.length;
    }
    expect(served).toBe(truth.events.length);
  });

  it('lists the truth categories with parents', async () => {
    const { body } = await yelp(server.url, '/v3/categories');
    expect(
      body.categories.map((c: Json) => ({ alias: c.alias, title: c.title, parentAliases: c.parent_aliases })),
    ).toEqual(truth.categories);
    expect(body.categories[0]).toHaveProperty('country_whitelist', []);
  });

  it('follows setDate: the served day changes what search returns', async () => {
    const day = await startSimulator({ businesses: 1500, seed: 11, date: DATE });
    try {
      const later = day.world.truth('2027-03-01');
      const [fips] = busiestCounties()[0]!;
      day.setDate('2027-03-01');
      const { body } = await yelp(day.url, searchPath(fips, { limit: 50 }));
      expect(body.total).toBe(later.businesses.filter((b) => b.countyFips === fips).length);
      expect(day.stats().byPath['/v3/businesses/search']).toBe(1);
    } finally {
      await day.close();
    }
  });
});
