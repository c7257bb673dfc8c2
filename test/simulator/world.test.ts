import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { addDays } from '../../src/common/dates.ts';
import { REVIEW_SEASON } from '../../src/simulator/effects.ts';
import { createWorld, dayDate, dayNumber } from '../../src/simulator/index.ts';

const DATE = '2026-11-25';
const world = createWorld({ businesses: 2000, seed: 7 });
const truth = world.truth(DATE);

/** The real state totals the Census figures must add up to (the reference CSV, read independently). */
const stateCsv = readFileSync(
  path.resolve(import.meta.dirname, '../../src/simulator/data/us-states.csv'),
  'utf8',
)
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => line.split(','));

describe('simulated world: determinism', () => {
  it('gives the same truth, byte for byte, for the same seed', () => {
    const again = createWorld({ businesses: 2000, seed: 7 }).truth(DATE);
    expect(JSON.stringify(again)).toBe(JSON.stringify(truth));
  });

  it('gives different businesses for a different seed', () => {
    const other = createWorld({ businesses: 2000, seed: 8 }).truth(DATE);
    expect(other.businesses.map((b) => b.id)).not.toEqual(truth.businesses.map((b) => b.id));
    expect(other.businesses.map((b) => b.name)).not.toEqual(truth.businesses.map((b) => b.name));
  });

  it('streams exactly the truth businesses from businessesOn', () => {
    expect([...world.businessesOn(DATE)]).toEqual(truth.businesses);
  });
});

describe('simulated world: consistency of one day', () => {
  const counties = new Map(truth.counties.map((c) => [c.fips, c]));
  const states = new Map(truth.states.map((s) => [s.fips, s]));

  it('has the 50 states, DC and PR and every county in a known state', () => {
    expect(truth.states).toHaveLength(52);
    expect(states.get('11')?.code).toBe('DC');
    expect(states.get('72')?.code).toBe('PR');
    expect(truth.counties.length).toBeGreaterThan(3100);
    for (const c of truth.counties) {
      expect(c.fips).toMatch(/^\d{5}$/);
      expect(states.has(c.stateFips)).toBe(true);
      expect(c.fips.startsWith(c.stateFips)).toBe(true);
    }
    const names = Object.fromEntries(truth.counties.map((c) => [c.fips, c.name]));
    expect(names['01001']).toBe('Autauga County');
    expect(names['22071']).toBe('Orleans Parish');
    expect(names['51760']).toBe('Richmond city');
    expect(names['51159']).toBe('Richmond County');
    expect(names['02020']).toBe('Anchorage Municipality');
    expect(names['72127']).toBe('San Juan Municipio');
  });

  it('puts every business in an existing county of its state, with Yelp-like fields', () => {
    expect(truth.businesses.length).toBeGreaterThan(1000);
    for (const b of truth.businesses) {
      const county = counties.get(b.countyFips);
      expect(county, b.countyFips).toBeDefined();
      expect(states.get(county!.stateFips)!.code).toBe(b.state);
      expect(b.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(b.reviewCount).toBeGreaterThanOrEqual(1);
      expect(b.rating * 2).toBe(Math.round(b.rating * 2));
      expect(b.rating).toBeGreaterThanOrEqual(1);
      expect(b.rating).toBeLessThanOrEqual(5);
      expect(b.zipCode).toMatch(/^\d{5}$/);
      expect([null, '$', '$$', '$$$', '$$$$']).toContain(b.price);
      expect(b.categories.length).toBeGreaterThan(0);
      expect(b.url.startsWith(`https://www.yelp.com/biz/${encodeURI(b.alias)}?`)).toBe(true);
      if (b.phone) expect(b.phone).toMatch(/^\+1\d{10}$/);
    }
    expect(new Set(truth.businesses.map((b) => b.id)).size).toBe(truth.businesses.length);
    expect(new Set(truth.businesses.map((b) => b.alias)).size).toBe(truth.businesses.length);
  });

  it('has heavy-tailed review counts and varied prices and transactions', () => {
    const counts = truth.businesses.map((b) => b.reviewCount).sort((a, b) => a - b);
    const median = counts[counts.length >> 1]!;
    expect(counts.at(-1)!).toBeGreaterThan(10 * median);
    expect(new Set(truth.businesses.map((b) => b.price)).size).toBe(5);
    expect(truth.businesses.some((b) => b.transactions.length === 0)).toBe(true);
    expect(truth.businesses.some((b) => b.transactions.includes('delivery'))).toBe(true);
  });

  it('adds county populations up to the real state totals for every year', () => {
    expect(new Set(truth.countyPopulation.map((p) => p.year))).toEqual(
      new Set([2010, 2011, 2012, 2013, 2014, 2015, 2016, 2017, 2018, 2019]),
    );
    const sums = new Map<string, number>();
    for (const p of truth.countyPopulation) {
      const key = `${p.countyFips.slice(0, 2)}|${p.year}`;
      sums.set(key, (sums.get(key) ?? 0) + p.population);
      expect(p.population).toBeGreaterThan(0);
    }
    for (const [fips, , , pop2010, pop2020] of stateCsv) {
      const p10 = Number(pop2010);
      const p20 = Number(pop2020);
      for (let year = 2010; year <= 2019; year++) {
        // July estimates, linear between the April 2010 and April 2020 censuses.
        const expected = Math.round(p10 + ((p20 - p10) * (year - 2010 + 0.25)) / 10);
        expect(sums.get(`${fips}|${year}`), `${fips} ${year}`).toBe(expected);
      }
    }
  });

  it('serves at most 3 reviews per open business, newest first', () => {
    const byBusiness = new Map<string, typeof truth.reviews>();
    for (const r of truth.reviews) byBusiness.set(r.businessId, [...(byBusiness.get(r.businessId) ?? []), r]);
    for (const b of truth.businesses) {
      const reviews = byBusiness.get(b.id) ?? [];
      expect(reviews).toHaveLength(Math.min(3, b.reviewCount));
      const times = reviews.map((r) => r.timeCreated);
      expect([...times].sort().reverse()).toEqual(times);
      for (const r of reviews) {
        expect(r.timeCreated).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
        expect(r.timeCreated.slice(0, 10) <= DATE).toBe(true);
        expect([1, 2, 3, 4, 5]).toContain(r.rating);
      }
    }
    expect(byBusiness.size).toBe(truth.businesses.length);
  });

  it('lists closed businesses apart from the open ones', () => {
    const open = new Set(truth.businesses.map((b) => b.id));
    expect(truth.closedBusinesses.length).toBeGreaterThan(0);
    for (const c of truth.closedBusinesses) {
      expect(open.has(c.id)).toBe(false);
      expect(c.closedOn <= DATE).toBe(true);
    }
  });

  it('has upcoming events in known counties, linked only to open businesses', () => {
    const open = new Set(truth.businesses.map((b) => b.id));
    expect(truth.events.length).toBeGreaterThan(10);
    expect(new Set(truth.events.map((e) => e.id)).size).toBe(truth.events.length);
    for (const e of truth.events) {
      expect(counties.has(e.countyFips)).toBe(true);
      if (e.businessId !== null) expect(open.has(e.businessId)).toBe(true);
      expect(e.timeStart.slice(0, 10) >= DATE).toBe(true);
      expect(e.isFree).toBe(e.cost === null);
    }
    expect(truth.events.some((e) => e.businessId !== null)).toBe(true);
  });
});

describe('simulated world: days evolve', () => {
  const next = world.truth(addDays(DATE, 1));
  const later = world.truth(addDays(DATE, 60));

  function changes(from: typeof truth, to: typeof truth) {
    const before = new Map(from.businesses.map((b) => [b.id, b]));
    const after = new Set(to.businesses.map((b) => b.id));
    const kept = to.businesses.filter((b) => before.has(b.id)).map((b) => [before.get(b.id)!, b] as const);
    return {
      gainedReviews: kept.filter(([a, b]) => b.reviewCount > a.reviewCount).length,
      lostReviews: kept.filter(([a, b]) => b.reviewCount < a.reviewCount).length,
      ratingChanged: kept.filter(([a, b]) => a.rating !== b.rating).length,
      opened: to.businesses.filter((b) => !before.has(b.id)).length,
      closed: from.businesses.filter((b) => !after.has(b.id)).length,
      renamed: kept.filter(([a, b]) => a.name !== b.name).length,
      repriced: kept.filter(([a, b]) => a.price !== b.price).length,
      rephoned: kept.filter(([a, b]) => a.phone !== b.phone).length,
      recategorized: kept.filter(([a, b]) => JSON.stringify(a.categories) !== JSON.stringify(b.categories))
        .length,
      aliasChanged: kept.filter(([a, b]) => a.alias !== b.alias).length,
    };
  }

  it('gains reviews from one day to the next, never loses them', () => {
    const c = changes(truth, next);
    expect(c.gainedReviews).toBeGreaterThan(0);
    expect(c.lostReviews).toBe(0);
  });

  it('opens, closes, renames, reprices and recategorizes businesses over two months', () => {
    const c = changes(truth, later);
    expect(c).toMatchObject({ lostReviews: 0, aliasChanged: 0 });
    for (const key of [
      'opened',
      'closed',
      'renamed',
      'repriced',
      'rephoned',
      'recategorized',
      'ratingChanged',
    ] as const) {
      expect(c[key], key).toBeGreaterThan(0);
    }
    const closedLater = new Map(later.closedBusinesses.map((b) => [b.id, b.closedOn]));
    for (const b of truth.businesses.filter((x) => !later.businesses.some((y) => y.id === x.id))) {
      expect(closedLater.get(b.id)! > DATE).toBe(true);
    }
  });

  it('computes a far date directly, as fast as a near one (no replay)', () => {
    const far = createWorld({ businesses: 300, seed: 7 }).truth('2029-06-30');
    expect(far.date).toBe('2029-06-30');
    expect(far.businesses.length).toBeGreaterThan(0);
  });
});

describe('simulated world: the review season', () => {
  const { states, from, days, percent } = REVIEW_SEASON;
  const pad = (n: number) => String(n).padStart(2, '0');
  const seasonStart = `2026-${pad(from.month)}-${pad(from.day)}`;

  it('raises every business of the season states by at least its size over the season', () => {
    const before = new Map([...world.businessesOn(addDays(seasonStart, -1))].map((b) => [b.id, b]));
    const kept = [...world.businessesOn(addDays(seasonStart, days - 1))].filter((b) => before.has(b.id));
    const rose = (b: (typeof kept)[number]) =>
      b.reviewCount >= before.get(b.id)!.reviewCount * (1 + percent / 100);
    const season = kept.filter((b) => states.includes(b.state));
    expect(season.length).toBeGreaterThan(30);
    for (const b of season) expect(rose(b), b.id).toBe(true);
    // Elsewhere only businesses with very few reviews rise that much in two months.
    const others = kept.filter((b) => !states.includes(b.state));
    expect(others.filter(rose).length).toBeLessThan(0.1 * others.length);
  });

  it('dates the served reviews on the day the count reaches them, season bursts included', () => {
    const day = dayNumber(DATE);
    const served = new Map<string, string[]>();
    for (const r of truth.reviews)
      served.set(r.businessId, [...(served.get(r.businessId) ?? []), r.timeCreated]);
    let checked = 0;
    for (const b of truth.businesses.filter((x) => states.includes(x.state))) {
      const p = world.profile(world.indexOf(b.id));
      // Reviews up to the starting count are spread before 2020, not on the curve.
      if (b.reviewCount - 2 <= p.base) continue;
      const reached = (k: number) => {
        let d = day;
        while (d > p.start && world.reviewCount(p, d - 1) >= k) d--;
        return dayDate(d);
      };
      const expected = [0, 1, 2].map((j) => reached(b.reviewCount - j)).sort();
      expect(
        served
          .get(b.id)!
          .map((t) => t.slice(0, 10))
          .sort(),
        b.id,
      ).toEqual(expected);
      checked++;
    }
    expect(checked).toBeGreaterThan(20);
  });
});
