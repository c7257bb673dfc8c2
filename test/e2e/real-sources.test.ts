import { readFileSync } from 'node:fs';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { runExitCode } from '../../src/cli/run.ts';
import { addDays } from '../../src/common/dates.ts';
import { silentLogger } from '../../src/common/logger.ts';
import { selectTasks } from '../../src/orchestrator/graph.ts';
import { dailyGraph } from '../../src/orchestrator/pipeline.ts';
import { runGraph } from '../../src/orchestrator/runner.ts';
import { type SimulatorOptions, startSimulator } from '../../src/simulator/index.ts';
import { createTestDatabase, itInTurn, type TestDatabase } from '../support/database.ts';
import { rows, runDay, simSettings } from './truth.ts';

// Real-API behaviour on the simulator: a small daily quota, a county Yelp cannot locate, a refused
// key, a 50-states page, a test pull before the real one, and the ACS population source. Census
// serves a few states only, so each pull is a hundred counties rather than 3,200.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

const DAY = '2026-01-05';
const SMALL = ['DC', 'DE', 'RI', 'PR'];

async function simulator(options: Partial<SimulatorOptions> = {}) {
  return startSimulator({
    businesses: 5000,
    seed: 11,
    date: DAY,
    searchDepthCap: 240,
    censusStates: SMALL,
    ...options,
  });
}

/** The counties Census serves in a run (the ledger's universe). */
async function countyFips(database: TestDatabase): Promise<string[]> {
  return (await rows<{ fips: string }>(database, 'select fips_code as fips from county order by 1')).map(
    (r) => r.fips,
  );
}

async function ledger(database: TestDatabase, date: string) {
  return rows<{ fips: string; status: string; reason: string | null }>(
    database,
    `select county_fips as fips, status, reason from ops.coverage where run_date = '${date}' order by 1`,
  );
}

const sorted = <T>(list: T[]) => [...list].sort();

describe('real source behaviour on the simulator', () => {
  const itOn = itInTurn();
  const open: { close(): Promise<void> }[] = [];
  const track = <T extends { close(): Promise<void> }>(x: T) => {
    open.push(x);
    return x;
  };
  afterEach(async () => {
    for (const x of open.splice(0).reverse()) await x.close();
  });
  afterAll(async () => {
    for (const x of open.splice(0).reverse()) await x.close();
  });

  itOn(
    'a small daily quota: coverage grows each day, runs end partial (exit 3) until every county is pulled, data equals the truth',
    async (backend) => {
      const sim = track(await simulator({ dailyQuota: 100 }));
      const database = track(await createTestDatabase(backend));
      const settings = simSettings(sim);
      const pulledOn = new Map<string, string>();
      const statuses: string[] = [];
      let date = DAY;
      for (let day = 0; day < 12; day++, date = addDays(date, 1)) {
        const summary = await runDay(sim, settings, database, date);
        statuses.push(summary.status);
        const today = (await ledger(database, date)).filter((r) => r.status === 'pulled');
        expect(today.length).toBeGreaterThan(0);
        for (const r of today) {
          // Nothing pulled twice in one pass.
          expect(pulledOn.has(r.fips)).toBe(false);
          pulledOn.set(r.fips, date);
        }
        // The day's holdings are exactly the truth's open businesses of the counties pulled that day.
        const truth = sim.world.truth(date);
        const pulledToday = new Set(today.map((r) => r.fips));
        const expected = truth.businesses
          .filter((b) => pulledToday.has(b.countyFips))
          .map((b) => `${b.id}:${b.rating}:${b.reviewCount}`);
        const held = await rows<{ k: string }>(
          database,
          `select b.yelp_id || ':' || (h.rating::float8)::text || ':' || h.review_count as k
         from business_holding h join business b using (business_id) where h.holding_date = '${date}'`,
        );
        expect(sorted(held.map((h) => h.k))).toEqual(sorted(expected));
        // Reviews: every county gets its full first pull, so the reviews of its businesses that day.
        const countyOf = new Map(truth.businesses.map((b) => [b.id, b.countyFips]));
        const reviewIds = truth.reviews
          .filter((r) => pulledToday.has(countyOf.get(r.businessId)!))
          .map((r) => r.id);
        const loaded = new Set(
          (await rows<{ id: string }>(database, 'select yelp_review_id as id from review')).map((r) => r.id),
        );
        for (const id of reviewIds) expect(loaded.has(id)).toBe(true);
        if (summary.status === 'succeeded') break;
        expect(summary.status).toBe('partial');
        expect(runExitCode(summary)).toBe(3);
        expect(summary.tasks.load_yelp!.status).toBe('succeeded');
        expect(String(summary.tasks.extract_yelp!.partial)).toMatch(
          /not yet pulled \(yelp: the daily access limit/,
        );
      }
      // Several partial days, then one that completes the pass.
      expect(statuses.length).toBeGreaterThan(2);
      expect(statuses.at(-1)).toBe('succeeded');
      expect(statuses.slice(0, -1).every((s) => s === 'partial')).toBe(true);
      expect(sorted([...pulledOn.keys()])).toEqual(await countyFips(database));
      // Nothing lost or duplicated: one business row per business seen on its county's pull day.
      const seen = new Set<string>();
      for (const day of new Set(pulledOn.values())) {
        for (const b of sim.world.truth(day).businesses)
          if (pulledOn.get(b.countyFips) === day) seen.add(b.id);
      }
      const businesses = await rows<{ id: string }>(database, 'select yelp_id as id from business');
      expect(sorted(businesses.map((b) => b.id))).toEqual(sorted([...seen]));
      const runs = await rows<{ status: string; n: number }>(
        database,
        'select status, count(*)::int as n from ops.pipeline_run group by status order by status',
      );
      expect(runs).toEqual([
        { status: 'partial', n: statuses.length - 1 },
        { status: 'succeeded', n: 1 },
      ]);
    },
  );

  itOn(
    'a county too big for one day resumes mid-county: the next day sends only the calls it still needs',
    async (backend) => {
      const sim = track(await simulator({ censusStates: ['DC'], dailyQuota: 4 }));
      const database = track(await createTestDatabase(backend));
      const settings = simSettings(sim, { EXTRACT_CONCURRENCY: '1' });
      const first = await runDay(sim, settings, database, DAY);
      expect(first.status).toBe('partial');
      expect(await ledger(database, DAY)).toEqual([]);
      // DC in one go: a search page, one reviews call per business, the events call.
      const dc = sim.world.truth(DAY).businesses.filter((b) => b.countyFips === '11001').length;
      expect(1 + dc + 1).toBeGreaterThan(3);
      let date = DAY;
      let calls = 0;
      for (let day = 1; day < 10; day++) {
        date = addDays(DAY, day);
        const summary = await runDay(sim, settings, database, date);
        const [entry] = await rows<{ calls: number }>(
          database,
          `select calls from ops.coverage where run_date = '${date}' and county_fips = '11001'`,
        );
        if (summary.status === 'succeeded') {
          calls = entry!.calls;
          break;
        }
      }
      // Each day before the last got 3 county answers (its 4th call was the day's category list);
      // the last day sent only what was left.
      const days = Math.round((Date.parse(date) - Date.parse(DAY)) / 86_400_000);
      expect(days).toBeGreaterThan(0);
      expect(calls).toBe(1 + dc + 1 - 3 * days);
      expect(calls).toBeGreaterThan(0);
    },
  );

  itOn(
    'one county Yelp cannot locate: the others load, the run is partial, the ledger keeps the reason, the next day tries again',
    async (backend) => {
      const sim = track(
        await simulator({ censusStates: ['DE', 'RI'], faults: { unlocatableCounties: ['10001'] } }),
      );
      const database = track(await createTestDatabase(backend));
      const settings = simSettings(sim);
      const summary = await runDay(sim, settings, database, DAY);
      expect(summary.status).toBe('partial');
      expect(summary.tasks.extract_yelp!.attempts).toBe(1);
      expect(summary.tasks.load_yelp!.status).toBe('succeeded');
      const entries = await ledger(database, DAY);
      expect(entries.filter((e) => e.status === 'failed')).toEqual([
        { fips: '10001', status: 'failed', reason: expect.stringMatching(/HTTP 400 LOCATION_NOT_FOUND/) },
      ]);
      const others = (await countyFips(database)).filter((f) => f !== '10001');
      expect(entries.filter((e) => e.status === 'pulled').map((e) => e.fips)).toEqual(others);
      const truth = sim.world.truth(DAY);
      const expected = truth.businesses.filter((b) => others.includes(b.countyFips)).map((b) => b.id);
      const loaded = await rows<{ id: string }>(database, 'select yelp_id as id from business');
      expect(sorted(loaded.map((b) => b.id))).toEqual(sorted(expected));
      expect(
        await rows(
          database,
          `select entity, record_key from ops.quarantine where reason like '%LOCATION_NOT_FOUND%'`,
        ),
      ).toEqual([{ entity: 'county', record_key: '10001' }]);

      const next = addDays(DAY, 1);
      const second = await runDay(sim, settings, database, next);
      expect(second.status).toBe('partial');
      expect((await ledger(database, next)).find((e) => e.fips === '10001')?.status).toBe('failed');
    },
  );

  itOn(
    'a refused key (401 TOKEN_INVALID) fails the run at once, in one line naming YELP_API_KEY',
    async (backend) => {
      const sim = track(await simulator());
      const database = track(await createTestDatabase(backend));
      const settings = simSettings(sim, { YELP_API_KEY: 'not-the-key', TASK_ATTEMPTS: '3' });
      const summary = await runDay(sim, settings, database, DAY);
      expect(summary.status).toBe('failed');
      const task = summary.tasks.extract_yelp!;
      expect(task.attempts).toBe(1);
      expect(task.error).toMatch(/HTTP 401 TOKEN_INVALID.*set YELP_API_KEY/);
      expect(task.error).not.toContain('\n');
      // No retry and no other county: the category list was the only Yelp call.
      expect(sim.stats().byPath['/v3/categories']).toBe(1);
      expect(sim.stats().byPath['/v3/businesses/search']).toBeUndefined();
      console.log(`401 run failed in ${summary.durationMs} ms: ${task.error}`);
    },
  );

  itOn(
    'a states page without DC and Puerto Rico: their counties are still searched and loaded',
    async (backend) => {
      const sim = track(await simulator({ statesPage: 'states-only', censusStates: ['DC', 'PR', 'DE'] }));
      const database = track(await createTestDatabase(backend));
      const summary = await runDay(sim, simSettings(sim), database, DAY);
      expect(summary.status).toBe('succeeded');
      const counties = await countyFips(database);
      expect(counties).toContain('11001');
      expect(counties.filter((f) => f.startsWith('72'))).toHaveLength(78);
      const truth = sim.world.truth(DAY);
      const served = new Set(counties);
      const expected = truth.businesses.filter((b) => served.has(b.countyFips)).map((b) => b.id);
      expect(expected.some((id) => truth.businesses.find((b) => b.id === id)!.state === 'PR')).toBe(true);
      const loaded = await rows<{ id: string }>(database, 'select yelp_id as id from business');
      expect(sorted(loaded.map((b) => b.id))).toEqual(sorted(expected));
      expect(
        await rows(
          database,
          `select state_code, fips_code from state where state_code in ('DC', 'PR') order by 1`,
        ),
      ).toEqual([
        { state_code: 'DC', fips_code: '11' },
        { state_code: 'PR', fips_code: '72' },
      ]);
    },
  );

  itOn(
    'run --mode test, then a normal run of the same date: reviews and events equal the truth',
    async (backend) => {
      const sim = track(await simulator());
      const database = track(await createTestDatabase(backend));
      const settings = simSettings(sim);
      const test = await runDay(sim, { ...settings, extractMode: 'test' }, database, DAY);
      expect(test.tasks.extract_yelp!.details!.mode).toBe('test');
      expect(Number(test.tasks.extract_yelp!.details!.businesses)).toBeGreaterThan(0);
      const real = await runDay(sim, settings, database, DAY);
      expect(real.status).toBe('succeeded');
      expect(real.tasks.extract_yelp!.details!.mode).toBe('full');
      const truth = sim.world.truth(DAY);
      const served = new Set(await countyFips(database));
      const ours = new Set(truth.businesses.filter((b) => served.has(b.countyFips)).map((b) => b.id));
      const reviews = await rows<{ id: string }>(database, 'select yelp_review_id as id from review');
      expect(sorted(reviews.map((r) => r.id))).toEqual(
        sorted(truth.reviews.filter((r) => ours.has(r.businessId)).map((r) => r.id)),
      );
      const events = await rows<{ id: string }>(database, 'select yelp_event_id as id from event');
      expect(sorted(events.map((e) => e.id))).toEqual(
        sorted(truth.events.filter((e) => served.has(e.countyFips)).map((e) => e.id)),
      );
    },
  );

  itOn(
    'CENSUS_DATASET=acs/acs5 loads a population for every year from 2020; 2019/pep/population still works',
    async (backend) => {
      const sim = track(await simulator());
      const geographyOnly = selectTasks(dailyGraph(), ['load_geography'], true);
      const population = async (dataset: string) => {
        const database = track(await createTestDatabase(backend));
        const summary = await runGraph({
          graph: geographyOnly,
          runDate: DAY,
          settings: simSettings(sim, { CENSUS_DATASET: dataset }),
          database,
          log: silentLogger,
        });
        expect(summary.status).toBe('succeeded');
        return rows<{ year: number; counties: number; total: number }>(
          database,
          `select year, count(*)::int as counties, sum(population)::float8 as total
         from county_population group by year order by year`,
        );
      };
      const acs = await population('acs/acs5');
      const pep = await population('2019/pep/population');
      expect(acs.map((r) => r.year)).toEqual([2020, 2021, 2022, 2023, 2024]);
      expect(pep.map((r) => r.year)).toEqual([2010, 2011, 2012, 2013, 2014, 2015, 2016, 2017, 2018, 2019]);
      // Every served county each year (DC 1, DE 3, RI 5, PR 78).
      for (const r of [...acs, ...pep]) expect(r.counties).toBe(1 + 3 + 5 + 78);
      // Each state's counties add up to its real 2010 and 2020 census counts carried along their
      // trend to July of the year (src/simulator/data/us-states.csv), after 2019 too.
      const census = readFileSync(new URL('../../src/simulator/data/us-states.csv', import.meta.url), 'utf8')
        .trim()
        .split('\n')
        .map((line) => line.split(','))
        .filter(([, , code]) => SMALL.includes(code!));
      for (const r of acs) {
        const expected = census.reduce(
          (sum, [, , , p2010, p2020]) =>
            sum + Math.round(Number(p2010) + ((Number(p2020) - Number(p2010)) * (r.year - 2010 + 0.25)) / 10),
          0,
        );
        expect(r.total).toBe(expected);
      }
      const truth = sim.world.truth(DAY);
      const served = new Set(
        truth.counties.filter((c) => ['11', '10', '44', '72'].includes(c.stateFips)).map((c) => c.fips),
      );
      const pep2019 = truth.countyPopulation
        .filter((p) => p.year === 2019 && served.has(p.countyFips))
        .reduce((sum, p) => sum + p.population, 0);
      expect(pep.at(-1)!.total).toBe(pep2019);
    },
  );
});
