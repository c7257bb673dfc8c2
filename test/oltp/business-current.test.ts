import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { BusinessCurrentTable, BusinessDetailTable } from '../../src/oltp/schema.ts';
import { createWorld } from '../../src/simulator/index.ts';
import { FixtureBuilder } from '../api/fixtures.ts';
import { rows } from '../e2e/truth.ts';
import { createTestDatabase, databaseBackends, type TestDatabase } from '../support/database.ts';
import { loadWorldDay } from './world-load.ts';

// Issue 9: business_current (migration 0100) is the list's read model and business_detail (0160)
// the detail's, kept by triggers. Whatever wrote last — a first load, daily loads, an older date
// loaded late, a correction set or removed, direct writes of holdings, bridges and reference
// names — each equals what it is made from, worked out here in plain code from business_effective,
// every holding, every bridge row and the reference tables.
const [D1, D2, D3, LATE] = ['2026-01-05', '2026-01-06', '2026-02-05', '2026-01-20'] as const;
const world = createWorld({ businesses: 150, seed: 11 });

vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

/** A business_current row without its latest holding: what business_effective gives. */
type EffectiveRow = Omit<
  BusinessCurrentTable,
  'rating' | 'review_count' | 'holding_date' | 'city_name_lower' | 'category_ids' | 'name_lower'
> & { city_name: string };
interface HoldingRow {
  business_id: number;
  holding_date: string;
  rating: number;
  review_count: number;
}

async function expected(database: TestDatabase) {
  const businesses = await rows<EffectiveRow>(
    database,
    `select b.business_id, b.yelp_id, b.alias, b.name, b.payment_level_id, b.is_closed,
            b.valid_to is null as listed, b.city_id, c.state_id, b.latitude, b.longitude,
            c.city_name
     from business_effective b join city c using (city_id)`,
  );
  const latest = new Map<number, HoldingRow>();
  for (const h of await rows<HoldingRow>(
    database,
    'select business_id, holding_date, rating, review_count from business_holding',
  )) {
    const seen = latest.get(h.business_id);
    if (!seen || h.holding_date > seen.holding_date) latest.set(h.business_id, h);
  }
  const categoryIds = new Map<number, number[]>();
  for (const { business_id, category_id } of await rows<{ business_id: number; category_id: number }>(
    database,
    'select business_id, category_id from business_category_bridge where valid_to is null',
  )) {
    categoryIds.set(business_id, [...(categoryIds.get(business_id) ?? []), category_id]);
  }
  return businesses
    .map(({ city_name, ...b }) => {
      const h = latest.get(b.business_id);
      return {
        ...b,
        rating: h?.rating ?? null,
        review_count: h?.review_count ?? null,
        holding_date: h?.holding_date ?? null,
        city_name_lower: city_name.toLowerCase(),
        category_ids: (categoryIds.get(b.business_id) ?? []).sort((x, y) => x - y),
        name_lower: b.name.toLowerCase(),
      };
    })
    .sort((a, b) => a.business_id - b.business_id);
}

type DetailBase = Omit<BusinessDetailTable, 'categories' | 'transactions'>;
interface BridgeRow {
  business_id: number;
  name: string;
  title?: string;
}

/** business_detail as computed: the current bridge rows sorted by alias (name) in plain code. */
async function expectedDetail(database: TestDatabase) {
  const base = await rows<DetailBase>(
    database,
    `select b.business_id, b.url, b.image_url, b.phone, b.display_phone, b.address1, b.address2,
            b.address3, b.zip_code, b.valid_to, p.symbol as price, ci.city_name, co.county_name,
            s.state_name, s.state_code
     from business_effective b join city ci using (city_id) join county co on co.county_id = b.county_id
     join state s on s.state_id = ci.state_id left join payment_level p using (payment_level_id)`,
  );
  const grouped = async (query: string) => {
    const byBusiness = new Map<number, BridgeRow[]>();
    for (const row of await rows<BridgeRow>(database, query)) {
      byBusiness.set(row.business_id, [...(byBusiness.get(row.business_id) ?? []), row]);
    }
    for (const list of byBusiness.values()) list.sort((a, b) => (a.name < b.name ? -1 : 1));
    return byBusiness;
  };
  const categories = await grouped(
    `select br.business_id, c.alias as name, c.title from business_category_bridge br
     join business_category c using (category_id) where br.valid_to is null`,
  );
  const transactions = await grouped(
    `select br.business_id, t.name from business_transaction_bridge br
     join transaction_type t using (transaction_type_id) where br.valid_to is null`,
  );
  return base
    .map((b) => ({
      ...b,
      categories: (categories.get(b.business_id) ?? []).map((c) => ({ alias: c.name, title: c.title })),
      transactions: (transactions.get(b.business_id) ?? []).map((t) => t.name),
    }))
    .sort((a, b) => a.business_id - b.business_id);
}

const storedCurrent = (database: TestDatabase) =>
  rows(database, 'select * from business_current order by business_id');
const storedDetail = (database: TestDatabase) =>
  rows(database, 'select * from business_detail order by business_id');
/** Both read models as stored. */
const stored = async (database: TestDatabase) => ({
  current: await storedCurrent(database),
  detail: await storedDetail(database),
});
/** Both read models as computed. */
const computed = async (database: TestDatabase) => ({
  current: await expected(database),
  detail: await expectedDetail(database),
});

describe.each(databaseBackends)('business_current (%s)', (backend) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(backend);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('equals the latest holding and corrected values after each load and correction', async () => {
    for (const date of [D1, D2, D3]) {
      await loadWorldDay(database, world, date);
      const want = await computed(database);
      expect(want.current.length).toBeGreaterThan(50);
      expect(want.detail.filter((d) => d.categories.length > 0).length).toBeGreaterThan(50);
      expect(await stored(database)).toEqual(want);
    }
    // D3's holdings are the latest; a date between loaded late changes no current value.
    const before = await stored(database);
    await loadWorldDay(database, world, LATE);
    expect(await stored(database)).toEqual(before);
    expect(await stored(database)).toEqual(await computed(database));

    const [first] = await rows<{ business_id: number }>(
      database,
      'select business_id from business_current where listed order by business_id limit 1',
    );
    const id = first!.business_id;
    await rows(
      database,
      `insert into api.business_override (business_id, field, value, account_id, actor_email) values
       (${id}, 'name', '"Corrected Name"', 1, 'a@example.com'),
       (${id}, 'is_closed', 'true', 1, 'a@example.com'),
       (${id}, 'payment_level_id', '4', 1, 'a@example.com')`,
    );
    expect(await stored(database)).toEqual(await computed(database));
    expect((await storedCurrent(database)).find((b) => (b as EffectiveRow).business_id === id)).toMatchObject(
      {
        name: 'Corrected Name',
        is_closed: true,
        listed: false,
        payment_level_id: 4,
      },
    );
    expect((await storedDetail(database)).find((b) => (b as DetailBase).business_id === id)).toMatchObject({
      price: '$$$$',
      valid_to: expect.any(String),
    });
    await rows(database, `delete from api.business_override where business_id = ${id} and field <> 'name'`);
    expect(await stored(database)).toEqual(await computed(database));
    // A daily load after the correction keeps it.
    await loadWorldDay(database, world, '2026-02-06');
    expect(await stored(database)).toEqual(await computed(database));
  });

  it('stays equal under any sequence of direct holding and business writes (property)', async () => {
    const own = await createTestDatabase(backend);
    try {
      const f = new FixtureBuilder(own.db);
      const state = await f.state('NC', 'North Carolina', '37');
      const county = await f.county(state, '37183', 'Wake County');
      const city = await f.city(state, county, 'Raleigh');
      const categories = [await f.category('pizza', 'Pizza'), await f.category('bars', 'Bars')];
      const types = [await f.transactionType('pickup'), await f.transactionType('delivery')];
      const ids: number[] = [];
      for (const name of ['A', 'B', 'C'])
        ids.push(await f.business({ name, cityId: city, countyId: county, categoryIds: [categories[0]!] }));
      const day = fc.integer({ min: 1, max: 9 }).map((d) => `2026-01-0${d}`);
      const id = fc.constantFrom(...ids);
      const op = fc.oneof(
        fc.tuple(id, day, fc.integer({ min: 0, max: 10 }), fc.nat(500)).map(
          ([b, d, r, n]) =>
            `insert into business_holding (business_id, holding_date, rating, review_count)
             values (${b}, '${d}', ${r / 2}, ${n})
             on conflict (business_id, holding_date) do update set rating = excluded.rating, review_count = excluded.review_count`,
        ),
        fc
          .tuple(id, day)
          .map(
            ([b, d]) => `delete from business_holding where business_id = ${b} and holding_date >= '${d}'`,
          ),
        fc
          .tuple(id, fc.nat(3))
          .map(
            ([b, p]) =>
              `update business set payment_level_id = ${p || 'null'}, name = name || 'x' where business_id = ${b}`,
          ),
        fc
          .tuple(id, fc.boolean())
          .map(
            ([b, closed]) =>
              `update business set is_closed = ${closed}, valid_to = ${closed ? "'2026-01-09'" : 'null'} where business_id = ${b}`,
          ),
        fc
          .tuple(id, fc.nat(50))
          .map(
            ([b, n]) => `update business set last_seen = date '2026-01-03' + ${n} where business_id = ${b}`,
          ),
        fc
          .tuple(id, fc.constantFrom(...categories), fc.constantFrom('insert', 'end', 'delete'))
          .map(([b, c, what]) =>
            what === 'insert'
              ? `insert into business_category_bridge (business_id, category_id) values (${b}, ${c})
                 on conflict (business_id, category_id) do update set valid_to = null`
              : what === 'end'
                ? `update business_category_bridge set valid_to = '2026-01-05' where business_id = ${b} and category_id = ${c}`
                : `delete from business_category_bridge where business_id = ${b} and category_id = ${c}`,
          ),
        fc.tuple(id, fc.constantFrom(...types), fc.boolean()).map(([b, t, add]) =>
          add
            ? `insert into business_transaction_bridge (business_id, transaction_type_id) values (${b}, ${t})
                 on conflict (business_id, transaction_type_id) do update set valid_to = null`
            : `update business_transaction_bridge set valid_to = '2026-01-05' where business_id = ${b} and transaction_type_id = ${t}`,
        ),
        fc
          .tuple(fc.constantFrom(...categories), fc.string({ minLength: 1, maxLength: 4 }))
          .map(
            ([c, title]) =>
              `update business_category set title = '${title.replaceAll("'", "''")}' where category_id = ${c}`,
          ),
        fc.constantFrom(
          "update county set county_name = county_name || 'x'",
          "update state set state_name = state_name || 'x'",
          "update transaction_type set name = name || 'x' where name like 'pickup%'",
        ),
        fc.tuple(id, fc.constantFrom('phone', 'address1', 'zip_code'), fc.boolean()).map(([b, field, set]) =>
          set
            ? `insert into api.business_override (business_id, field, value, account_id, actor_email)
                 values (${b}, '${field}', '"corrected"', 1, 'a@example.com')
                 on conflict (business_id, field) do update set value = '"again"'`
            : `delete from api.business_override where business_id = ${b} and field = '${field}'`,
        ),
        fc
          .tuple(id, fc.string({ maxLength: 3 }))
          .map(
            ([b, url]) => `update business set url = '${url.replaceAll("'", "''")}' where business_id = ${b}`,
          ),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 6 }), async (statements) => {
          for (const statement of statements) await rows(own, statement);
          expect(await stored(own)).toEqual(await computed(own));
        }),
        { numRuns: 10 },
      );
    } finally {
      await own.close();
    }
  });
});
