import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FixtureBuilder } from './fixtures.ts';
import { type ApiContext, apiBackends, createApiContext, expectError } from './support.ts';

describe.each(apiBackends)('read routes on %s with %s cache', (backend, cacheKind) => {
  let ctx: ApiContext;
  beforeAll(async () => {
    ctx = await createApiContext(backend, cacheKind);
  });
  afterAll(async () => {
    await ctx?.close();
  });

  const get = (url: string, headers: Record<string, string> = {}) =>
    ctx.app.inject({ method: 'GET', url, headers });
  const names = (body: { items: { name: string }[] }) => body.items.map((b) => b.name);

  it('lists current businesses by name, without soft-deleted ones', async () => {
    const response = await get('/businesses');
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(names(body)).toEqual([
      'Bean There',
      'Closed Diner',
      'Fairfax Pizza_Co',
      'Golden Noodle',
      'Newcomer Tacos',
      'Raleigh Pizza 100%',
    ]);
    expect(body.next).toBeNull();
    const pizza = body.items.find((b: { name: string }) => b.name === 'Raleigh Pizza 100%');
    expect(pizza).toMatchObject({
      id: ctx.seed.businesses.pizza,
      price: '$$',
      rating: 4.5,
      reviewCount: 130,
      city: 'Raleigh',
      stateCode: 'NC',
      isClosed: false,
    });
  });

  it('filters by state, city, category, price, rating, open and name text', async () => {
    expect(names((await get('/businesses?state=va')).json())).toEqual(['Fairfax Pizza_Co']);
    expect(names((await get('/businesses?city=durham')).json())).toEqual(['Bean There', 'Closed Diner']);
    expect(names((await get('/businesses?category=pizza')).json())).toEqual([
      'Fairfax Pizza_Co',
      'Raleigh Pizza 100%',
    ]);
    expect(names((await get('/businesses?price=1&price=4')).json())).toEqual([
      'Bean There',
      'Fairfax Pizza_Co',
      'Golden Noodle',
    ]);
    expect(names((await get('/businesses?minRating=4&maxRating=4.5')).json())).toEqual([
      'Fairfax Pizza_Co',
      'Raleigh Pizza 100%',
    ]);
    expect(names((await get('/businesses?open=false')).json())).toEqual(['Closed Diner']);
    expect(names((await get('/businesses?q=PIZZA')).json())).toEqual([
      'Fairfax Pizza_Co',
      'Raleigh Pizza 100%',
    ]);
    // LIKE wildcards in the search text are literal characters.
    expect(names((await get('/businesses?q=100%25')).json())).toEqual(['Raleigh Pizza 100%']);
    expect(names((await get('/businesses?q=a_C')).json())).toEqual(['Fairfax Pizza_Co']);
  });

  it('filters by city name across the cities of that name, in name order', async () => {
    // A second Durham, in Virginia, for this test only (removed after, so later counts hold).
    const f = new FixtureBuilder(ctx.database.db);
    const { state_id, county_id } = await ctx.database.db
      .selectFrom('county')
      .select(['state_id', 'county_id'])
      .where('fips_code', '=', '51059')
      .executeTakeFirstOrThrow();
    const city = await f.city(state_id, county_id, 'Durham');
    const id = await f.business({ name: 'Crossroads Cafe', cityId: city, countyId: county_id });
    try {
      const body = (await get('/businesses?city=DURHAM&limit=2')).json();
      expect(names(body)).toEqual(['Bean There', 'Closed Diner']);
      const rest = (await get(`/businesses?city=DURHAM&limit=2&cursor=${body.next}`)).json();
      expect(rest).toMatchObject({ items: [{ name: 'Crossroads Cafe', stateCode: 'VA' }], next: null });
    } finally {
      await ctx.database.db.deleteFrom('business').where('business_id', '=', id).execute();
      await ctx.database.db.deleteFrom('city').where('city_id', '=', city).execute();
    }
  });

  // `q` reads the stored lowercase name (migration 0170); it must match what `name ilike` matched,
  // beyond ASCII too, as the database computes both.
  it('matches name text exactly as a case-insensitive ILIKE does, beyond ASCII', async () => {
    const f = new FixtureBuilder(ctx.database.db);
    const { city_id, county_id } = await ctx.database.db
      .selectFrom('city')
      .select(['city_id', 'county_id'])
      .where('city_name', '=', 'Durham')
      .where('county_id', 'is not', null)
      .$narrowType<{ county_id: number }>()
      .executeTakeFirstOrThrow();
    const added = [];
    for (const name of ['Café Ürban', 'STRASSE Straße', 'İstanbul Kebap', 'ΣΟΦΊΑ Taverna', 'ǅemal Ǆ']) {
      added.push(await f.business({ name, cityId: city_id, countyId: county_id }));
    }
    try {
      for (const q of [
        'café',
        'CAFÉ',
        'ürban',
        'straße',
        'STRASSE',
        'ss',
        'istanbul',
        'i̇stanbul',
        'σοφία',
        'ǆ',
        'Ǆ',
        '%',
      ]) {
        const expected = await ctx.database.db
          .selectFrom('business_current')
          .select('name')
          .where('listed', '=', true)
          .where('name', 'ilike', `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)
          .orderBy('name')
          .orderBy('business_id')
          .execute();
        const body = (await get(`/businesses?q=${encodeURIComponent(q)}&limit=100`)).json();
        expect(names(body), q).toEqual(expected.map((row) => row.name));
      }
    } finally {
      await ctx.database.db.deleteFrom('business').where('business_id', 'in', added).execute();
    }
  });

  it('sorts by an allow-listed field and pages with a keyset cursor', async () => {
    const seen: string[] = [];
    let url = '/businesses?sort=rating&order=desc&limit=2';
    for (let pageNo = 0; pageNo < 5; pageNo++) {
      const body = (await get(url)).json();
      expect(body.items.length).toBeLessThanOrEqual(2);
      seen.push(...names(body));
      if (!body.next) break;
      url = `/businesses?sort=rating&order=desc&limit=2&cursor=${body.next}`;
    }
    expect(seen).toEqual([
      'Bean There',
      'Raleigh Pizza 100%',
      'Fairfax Pizza_Co',
      'Golden Noodle',
      'Closed Diner',
      'Newcomer Tacos',
    ]);
  });

  it('refuses unknown sort fields, oversized pages, bad cursors and bad ranges with 400', async () => {
    for (const url of [
      '/businesses?sort=name;drop table business',
      '/businesses?sort=updated_at',
      '/businesses?limit=101',
      '/businesses?limit=0',
      '/businesses?minRating=6',
      '/businesses?minRating=4&maxRating=3',
      '/businesses?state=North',
      '/businesses?cursor=not-a-cursor',
      `/businesses?sort=name&cursor=${Buffer.from(JSON.stringify(['rating', 'asc', 1, 1])).toString('base64url')}`,
      `/businesses?sort=review_count&cursor=${Buffer.from(JSON.stringify(['review_count', 'asc', 1e300, 1])).toString('base64url')}`,
      '/businesses?q=%00',
    ]) {
      expectError(await get(url), 400);
    }
  });

  it('returns one business with categories, transactions, location and latest holding', async () => {
    const response = await get(`/businesses/${ctx.seed.businesses.pizza}`);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      id: ctx.seed.businesses.pizza,
      name: 'Raleigh Pizza 100%',
      price: '$$',
      categories: [{ alias: 'pizza', title: 'Pizza' }],
      transactions: ['delivery', 'pickup'],
      location: {
        city: 'Raleigh',
        county: 'Wake County',
        state: 'North Carolina',
        stateCode: 'NC',
        zipCode: '27601',
      },
      latestHolding: { date: '2026-01-03', rating: 4.5, reviewCount: 130 },
    });
    const newcomer = (await get(`/businesses/${ctx.seed.businesses.newcomer}`)).json();
    expect(newcomer.latestHolding).toBeNull();
    expectError(await get('/businesses/999999'), 404);
    expectError(await get('/businesses/abc'), 400);
    expectError(await get('/businesses/99999999999999999999'), 400);
    expectError(await get('/businesses/Infinity'), 400);
    expectError(await get('/businesses?limit=1e400'), 400);
  });

  it("returns a business's holdings within a date range, paged", async () => {
    const id = ctx.seed.businesses.pizza;
    const all = (await get(`/businesses/${id}/holdings`)).json();
    expect(all.items.map((h: { date: string }) => h.date)).toEqual([
      '2026-01-01',
      '2026-01-02',
      '2026-01-03',
    ]);
    const ranged = (await get(`/businesses/${id}/holdings?from=2026-01-02&to=2026-01-02`)).json();
    expect(ranged.items).toEqual([{ date: '2026-01-02', rating: 4.5, reviewCount: 120 }]);
    const first = (await get(`/businesses/${id}/holdings?limit=2`)).json();
    expect(first.items).toHaveLength(2);
    const second = (await get(`/businesses/${id}/holdings?limit=2&cursor=${first.next}`)).json();
    expect(second).toEqual({ items: [{ date: '2026-01-03', rating: 4.5, reviewCount: 130 }], next: null });
    expectError(await get(`/businesses/${id}/holdings?from=2026-02-01&to=2026-01-01`), 400);
    expectError(await get(`/businesses/${id}/holdings?from=2026-02-30`), 400);
    expectError(await get(`/businesses/${id}/holdings?from=0000-01-01`), 400);
    expectError(await get(`/businesses/${id}/holdings?limit=1001`), 400);
    expectError(await get('/businesses/999999/holdings'), 404);
  });

  it('lists states with population and counts, and categories with counts', async () => {
    const states = (await get('/states')).json();
    expect(states.items).toEqual([
      {
        code: 'NC',
        name: 'North Carolina',
        fipsCode: '37',
        population: 1_175_000 + 330_000,
        populationYear: 2023,
        countyCount: 2,
        businessCount: 5,
      },
      {
        code: 'VA',
        name: 'Virginia',
        fipsCode: '51',
        population: 1_140_000,
        populationYear: 2023,
        countyCount: 1,
        businessCount: 1,
      },
    ]);
    const categories = (await get('/categories')).json();
    expect(categories.items).toEqual([
      { alias: 'chinese', title: 'Chinese', parentAlias: null, businessCount: 2 },
      { alias: 'pizza', title: 'Pizza', parentAlias: null, businessCount: 2 },
      { alias: 'coffee', title: 'Coffee & Tea', parentAlias: null, businessCount: 1 },
    ]);
  });

  it('serves OpenAPI 3 and browsable docs, health and readiness', async () => {
    const openapi = (await get('/openapi.json')).json();
    expect(openapi.openapi).toMatch(/^3\./);
    expect(Object.keys(openapi.paths)).toEqual(
      expect.arrayContaining([
        '/businesses',
        '/businesses/{id}',
        '/businesses/{id}/holdings',
        '/states',
        '/auth/login',
      ]),
    );
    const docs = await get('/docs/');
    expect(docs.statusCode).toBe(200);
    expect(docs.headers['content-type']).toMatch(/text\/html/);
    expect((await get('/healthz')).json()).toEqual({ status: 'ok' });
    expect((await get('/readyz')).json()).toMatchObject({
      status: 'ok',
      database: { ok: true },
      cache: { ok: true, kind: cacheKind, ...(cacheKind === 'redis' && { breaker: 'closed' }) },
    });
  });

  it('answers unknown routes, oversized and malformed bodies with the error shape, and sets security headers', async () => {
    const missing = await get('/nope');
    expectError(missing, 404);
    expect(missing.headers['x-content-type-options']).toBe('nosniff');
    expect(missing.headers['access-control-allow-origin']).toBeUndefined();
    const huge = await ctx.app.inject({
      method: 'POST',
      url: '/auth/register',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ email: 'a@b.co', password: 'x'.repeat(ctx.settings.apiBodyLimitBytes) }),
    });
    expectError(huge, 413);
    const malformed = await ctx.app.inject({
      method: 'POST',
      url: '/auth/register',
      headers: { 'content-type': 'application/json' },
      payload: '{"email":',
    });
    expectError(malformed, 400);
  });
});

describe('CORS when origins are configured', () => {
  let ctx: ApiContext;
  beforeAll(async () => {
    ctx = await createApiContext(apiBackends[0]![0], 'memory', { API_CORS_ORIGINS: 'https://app.example' });
  });
  afterAll(async () => {
    await ctx?.close();
  });

  it('allows the listed origin and no other', async () => {
    const allowed = await ctx.app.inject({
      method: 'GET',
      url: '/states',
      headers: { origin: 'https://app.example' },
    });
    expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example');
    const other = await ctx.app.inject({
      method: 'GET',
      url: '/states',
      headers: { origin: 'https://evil.example' },
    });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});
