import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type SimulatorServer, startSimulator } from '../../src/simulator/index.ts';
import { createTestDatabase, databaseBackends, type TestDatabase } from '../support/database.ts';
import { expectMatchesTruth, rows, runDay, simSettings } from './truth.ts';

const DAY = '2026-01-05';

// The pipeline pulls every county of the US (~3,200 searches a day): slow on a busy machine.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

describe(`a pull through faults (${databaseBackends[0]})`, () => {
  let sim: SimulatorServer;
  let database: TestDatabase;
  let broken: string;

  beforeAll(async () => {
    sim = await startSimulator({ businesses: 2000, seed: 7, date: DAY, searchDepthCap: 240 });
    broken = sim.world.truth(DAY).businesses[17]!.id;
    await sim.close();
    // Same world, now answering 20% 500s, some 429s, timeouts and truncated bodies, and one
    // business that is always served without its name and coordinates.
    sim = await startSimulator({
      businesses: 2000,
      seed: 7,
      date: DAY,
      searchDepthCap: 240,
      faults: {
        errorRate: 0.2,
        rateLimitRate: 0.05,
        timeoutRate: 0.005,
        malformedRate: 0.02,
        brokenBusinessIds: [broken],
        seed: 11,
      },
    });
    database = await createTestDatabase(databaseBackends[0]!);
  });
  afterAll(async () => {
    await database?.close();
    await sim?.close();
  });

  it('completes with the exact truth and quarantines exactly the broken record', async () => {
    const settings = simSettings(sim, { SOURCE_TIMEOUT_MS: '500', SOURCE_ATTEMPTS: '12' });
    const summary = await runDay(sim, settings, database, DAY);
    expect(summary.status).toBe('succeeded');
    expect(Number(summary.tasks.extract_yelp!.details!.retries)).toBeGreaterThan(1000);
    await expectMatchesTruth(database, sim.world.truth(DAY), new Set([broken]));
    const quarantine = await rows<{ source: string; entity: string; record_key: string; reason: string }>(
      database,
      'select source, entity, record_key, reason from ops.quarantine',
    );
    expect(quarantine).toEqual([
      {
        source: 'yelp',
        entity: 'business',
        record_key: broken,
        reason: expect.stringMatching(/^invalid business: name/),
      },
    ]);
  });
});
