import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../src/common/logger.ts';
import { selectTasks } from '../../src/orchestrator/graph.ts';
import { dailyGraph } from '../../src/orchestrator/pipeline.ts';
import { runGraph } from '../../src/orchestrator/runner.ts';
import { TEST_MODE_CALLS } from '../../src/sources/tasks.ts';
import { createTestDatabase, databaseBackends, type TestDatabase } from '../support/database.ts';
import { testSettings } from '../support/settings.ts';
import { rows } from './truth.ts';

// The pipeline pulls every county of the US (~3,200 searches a day): slow on a busy machine.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

describe('test mode on the in-process simulator', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(databaseBackends[0]!);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('stops the Yelp pull at 300 calls and loads what it got', async () => {
    // No API keys: the extract tasks start the simulator themselves, once for the run.
    const settings = testSettings({ EXTRACT_MODE: 'test', SIM_BUSINESSES: '500', SIM_SEED: '3' });
    const summary = await runGraph({
      graph: selectTasks(dailyGraph(), ['load_yelp'], true),
      runDate: '2026-01-05',
      settings,
      database,
      log: silentLogger,
    });
    expect(summary.status).toBe('succeeded');
    const details = summary.tasks.extract_yelp!.details!;
    expect(details.mode).toBe('test');
    expect(details.calls).toBe(TEST_MODE_CALLS);
    expect(String(details.stopped)).toMatch(/call limit 300/);
    // One call is the category list; the rest are county searches (small counties: one page each).
    const pulled = Number(details.countiesPulled);
    expect(pulled).toBeGreaterThan(0);
    expect(pulled).toBeLessThan(TEST_MODE_CALLS);
    const loaded = await rows<{ n: number }>(database, 'select count(*)::int as n from business');
    expect(loaded[0]!.n).toBe(Number(details.businesses));
    expect(summary.tasks.load_yelp!.details!.counties).toBe(pulled);
  });
});
