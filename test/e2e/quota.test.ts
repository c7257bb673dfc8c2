import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type SimulatorServer, startSimulator } from '../../src/simulator/index.ts';
import { createTestDatabase, databaseBackends, type TestDatabase } from '../support/database.ts';
import { expectMatchesTruth, rows, runDay, simSettings } from './truth.ts';

const DAY = '2026-01-05';

// The pipeline pulls every county of the US (~3,200 searches a day): slow on a busy machine.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

describe(`a pull that runs out of daily quota (${databaseBackends[0]})`, () => {
  let sim: SimulatorServer | undefined;
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(databaseBackends[0]!);
  });
  afterAll(async () => {
    await database?.close();
    await sim?.close();
  });

  it('stops cleanly on ACCESS_LIMIT_REACHED, loads what it has, and the next run resumes the rest', async () => {
    sim = await startSimulator({
      businesses: 800,
      seed: 9,
      date: DAY,
      searchDepthCap: 240,
      dailyQuota: 1500,
    });
    const settings = simSettings(sim);
    const first = await runDay(sim, settings, database, DAY);
    expect(first.status).toBe('succeeded');
    const stopped = first.tasks.extract_yelp!.details!;
    expect(String(stopped.stopped)).toMatch(/ACCESS_LIMIT_REACHED/);
    const pulledFirst = Number(stopped.countiesPulled);
    expect(pulledFirst).toBeGreaterThan(0);
    const partial = await rows<{ n: number }>(database, 'select count(*)::int as n from business');
    expect(partial[0]!.n).toBe(Number(stopped.businesses));

    // A new quota (same world): the re-run calls only for the counties it does not have yet.
    const world = sim.world;
    await sim.close();
    sim = await startSimulator({ businesses: 800, seed: 9, date: DAY, searchDepthCap: 240 });
    const second = await runDay(
      sim,
      simSettings(sim, { GOURMAND_STATE_DIR: settings.stateDir }),
      database,
      DAY,
    );
    expect(second.tasks.extract_yelp!.details!.mode).toBe('full');
    expect(second.status).toBe('succeeded');
    const resumedDetails = second.tasks.extract_yelp!.details!;
    expect(resumedDetails.stopped).toBeUndefined();
    expect(Number(resumedDetails.countiesPulled) + pulledFirst).toBe(world.truth(DAY).counties.length);
    await expectMatchesTruth(database, sim.world.truth(DAY), new Set());
  });
});
