import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Settings } from '../../src/config/settings.ts';
import { type SimulatorServer, startSimulator } from '../../src/simulator/index.ts';
import { rawDir } from '../../src/sources/raw-store.ts';
import { createTestDatabase, databaseBackends, type TestDatabase } from '../support/database.ts';
import {
  dumpTables,
  expectMatchesTruth,
  rows,
  runDay,
  servedTruth,
  simSettings,
  truthBusiness,
  WEST,
} from './truth.ts';

const BUSINESSES = 2000;
const SEED = 7;
// A month apart: businesses open, close and change between the two runs.
const DAY1 = '2026-01-05';
const DAY2 = '2026-02-05';

// On PGlite (the embedded default) the pipeline pulls every county of the US (~3,200 searches a day);
// on the server, the West's counties only: the country-wide pull
// twice was most of the suite's time, and the load path is the same.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

describe.each(databaseBackends)('daily pipeline on the simulator (%s)', (backend) => {
  let sim: SimulatorServer;
  let database: TestDatabase;
  let settings: Settings;

  const states = backend === 'postgres' ? WEST : undefined;
  const served = (date: string) =>
    states ? servedTruth(sim.world.truth(date), states) : sim.world.truth(date);

  beforeAll(async () => {
    sim = await startSimulator({
      // Twice the businesses there, still under the 240 a county search can page through.
      businesses: states ? BUSINESSES * 2 : BUSINESSES,
      seed: SEED,
      date: DAY1,
      searchDepthCap: 240,
      censusStates: states,
    });
    settings = simSettings(sim);
    database = await createTestDatabase(backend);
  });
  afterAll(async () => {
    await database?.close();
    await sim?.close();
  });

  it('day 1 (full pull) loads exactly the ground truth', async () => {
    const summary = await runDay(sim, settings, database, DAY1);
    expect(summary.status).toBe('succeeded');
    expect(summary.tasks.extract_yelp!.details!.mode).toBe('full');
    const truth = served(DAY1);
    await expectMatchesTruth(database, truth, new Set());

    // The full pull also brings every review and event of the day.
    const reviews = await rows<{ id: string; business: string; rating: number; user: string }>(
      database,
      `select r.yelp_review_id as id, b.yelp_id as business, r.rating, u.yelp_user_id as user
       from review r join business b using (business_id) join yelp_user u using (user_id) order by 1`,
    );
    const truthReviews = truth.reviews
      .map((r) => ({ id: r.id, business: r.businessId, rating: r.rating, user: r.user.id }))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(reviews).toEqual(truthReviews);
    const events = await rows<{ id: string; category: string; business: string | null }>(
      database,
      `select e.yelp_event_id as id, c.name as category, b.yelp_id as business
       from event e left join event_category c using (event_category_id)
       left join business b using (business_id) order by 1`,
    );
    const truthEvents = truth.events
      .map((e) => ({ id: e.id, category: e.category, business: e.businessId }))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(events).toEqual(truthEvents);
    const holdings = await rows<{ n: number }>(
      database,
      `select count(*)::int as n from business_holding where holding_date = '${DAY1}'`,
    );
    expect(holdings[0]!.n).toBe(truth.businesses.length);
  });

  it('day 2 (daily pull) adds, closes and updates businesses exactly as the truth', async () => {
    const before = await rows<{ id: string; updated: string }>(
      database,
      `select yelp_id as id, updated_at::text as updated from business order by yelp_id`,
    );
    const summary = await runDay(sim, settings, database, DAY2);
    expect(summary.status).toBe('succeeded');
    expect(summary.tasks.extract_yelp!.details!.mode).toBe('daily');
    const truth1 = served(DAY1);
    const truth2 = served(DAY2);
    await expectMatchesTruth(database, truth2, new Set());

    // Closures: every business open on day 1 and closed by day 2, closed as of day 2.
    const open2 = new Set(truth2.businesses.map((b) => b.id));
    const closedByTruth = truth1.businesses
      .filter((b) => !open2.has(b.id))
      .map((b) => b.id)
      .sort();
    expect(closedByTruth.length).toBeGreaterThan(0);
    const closed = await rows<{ id: string; valid_to: string }>(
      database,
      'select yelp_id as id, valid_to from business where is_closed order by yelp_id',
    );
    expect(closed).toEqual(closedByTruth.map((id) => ({ id, valid_to: DAY2 })));

    // updated_at moved for exactly the businesses whose attributes changed (or that closed).
    const after = new Map(
      (
        await rows<{ id: string; updated: string }>(
          database,
          'select yelp_id as id, updated_at::text as updated from business',
        )
      ).map((r) => [r.id, r.updated]),
    );
    const day1 = new Map(truth1.businesses.map((b) => [b.id, b]));
    const attributes = (b: ReturnType<typeof truthBusiness>) => {
      const { rating: _r, reviewCount: _c, categories: _k, transactions: _t, ...rest } = b;
      return JSON.stringify(rest);
    };
    const expectChanged = truth2.businesses
      .filter(
        (b) => day1.has(b.id) && attributes(truthBusiness(b)) !== attributes(truthBusiness(day1.get(b.id)!)),
      )
      .map((b) => b.id)
      .concat(closedByTruth)
      .sort();
    expect(expectChanged.length).toBeGreaterThan(0);
    const changed = before.filter((r) => after.get(r.id) !== r.updated).map((r) => r.id);
    expect(changed).toEqual(expectChanged);

    // Bridges that disappeared are kept with valid_to = day 2.
    const droppedCategories = truth2.businesses.flatMap((b) => {
      const old = day1.get(b.id);
      if (!old) return [];
      const now = new Set(b.categories.map((c) => c.alias));
      return old.categories.filter((c) => !now.has(c.alias)).map((c) => `${b.id}:${c.alias}`);
    });
    const ended = await rows<{ k: string }>(
      database,
      `select b.yelp_id || ':' || c.alias as k from business_category_bridge br
       join business b using (business_id) join business_category c using (category_id)
       where br.valid_to = '${DAY2}' and not b.is_closed order by 1`,
    );
    expect(ended.map((r) => r.k)).toEqual(droppedCategories.sort());

    // PGlite has no autovacuum: the load vacuums business_current, whose every page day 2 rewrote,
    // so the list's index-only scans need not read its heap (migration 0170).
    if (backend === 'pglite') {
      const [map] = await rows<{ pages: number; visible: number }>(
        database,
        `select relpages as pages, relallvisible as visible from pg_class where relname = 'business_current'`,
      );
      expect(map!.pages).toBeGreaterThan(0);
      expect(map!.visible).toBe(map!.pages);
    }
  });

  it('re-running day 2 changes no row, from the kept pull or from a fresh one', async () => {
    const before = await dumpTables(database);
    const replay = await runDay(sim, settings, database, DAY2);
    expect(replay.status).toBe('succeeded');
    expect(replay.tasks.extract_yelp!.details!.calls).toBe(0);
    expect(await dumpTables(database)).toEqual(before);

    rmSync(rawDir(settings, 'yelp', DAY2), { recursive: true });
    const fresh = await runDay(sim, settings, database, DAY2);
    expect(fresh.status).toBe('succeeded');
    expect(fresh.tasks.extract_yelp!.details!.calls).toBeGreaterThan(0);
    expect(await dumpTables(database)).toEqual(before);
  });
});
