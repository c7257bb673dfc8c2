import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../src/common/logger.ts';
import { openPglite, type SourceDatabase } from '../../src/oltp/database.ts';
import { migrate } from '../../src/oltp/migrate.ts';
import { selectTasks } from '../../src/orchestrator/graph.ts';
import { dailyGraph } from '../../src/orchestrator/pipeline.ts';
import { runGraph } from '../../src/orchestrator/runner.ts';
import { type SimulatorServer, startSimulator } from '../../src/simulator/index.ts';
import { createTestDatabase, databaseBackends, type TestDatabase } from '../support/database.ts';
import { dumpTables, expectMatchesTruth, runDay, simSettings } from './truth.ts';

const DAY1 = '2026-01-05';
const DAY2 = '2026-02-05';
const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'hang-in-load.ts');

/** Starts the load in a child process and SIGKILLs it once the load waits before its commit. */
async function killMidLoad(stateDir: string, target: string, date: string): Promise<string> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', script, stateDir, target, date], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (chunk) => {
    err += chunk;
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (_code, signal) => resolve(signal)),
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      if (out.includes('LOADED')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`load exited (${code}) before pausing: ${err}`)));
  });
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
  return out.trim();
}

/** Serial keys and the table that owns them (foreign keys carry the same column name). */
const SERIALS: Record<string, string> = {
  country_id: 'country',
  state_id: 'state',
  county_id: 'county',
  city_id: 'city',
  business_id: 'business',
  category_id: 'business_category',
  transaction_type_id: 'transaction_type',
  user_id: 'yelp_user',
  review_id: 'review',
  event_category_id: 'event_category',
  event_id: 'event',
  quarantine_id: 'ops.quarantine',
};

/**
 * A dump two databases can be compared by: without wall-clock columns, and with serial keys
 * renumbered by their order. PostgreSQL sequences are not transactional, so the killed load
 * used up numbers the re-run then skips; which row got which place in the order must match.
 */
function comparable(dump: Record<string, unknown[]>) {
  const rank = new Map<string, Map<unknown, number>>();
  for (const [column, table] of Object.entries(SERIALS)) {
    const ids = (dump[table] ?? []).map((row) => (row as Record<string, unknown>)[column]);
    rank.set(column, new Map(ids.map((id, i) => [id, i + 1])));
  }
  return Object.fromEntries(
    Object.entries(dump).map(([table, list]) => [
      table,
      list.map((row) => {
        const { updated_at: _updated, change_xid: _xid, ...rest } = row as Record<string, unknown>;
        // review.created_at is Yelp's time_created; the quarantine's is the clock.
        if (table === 'ops.quarantine') delete rest.created_at;
        for (const [column, ranks] of rank) {
          if (rest[column] !== undefined && rest[column] !== null) rest[column] = ranks.get(rest[column]);
        }
        return rest;
      }),
    ]),
  );
}

// The pipeline pulls every county of the US (~3,200 searches a day): slow on a busy machine.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

describe.each(databaseBackends)('a load killed mid-transaction (%s)', (backend) => {
  let sim: SimulatorServer;
  beforeAll(async () => {
    sim = await startSimulator({ businesses: 600, seed: 5, date: DAY1, searchDepthCap: 240 });
  });
  afterAll(async () => {
    await sim?.close();
  });

  it('leaves the previous state, and the re-run ends exactly as an undisturbed run', async () => {
    // Daily mode from day 1 on: what is under test is the load's atomicity, not the full pull.
    const settings = simSettings(sim, { EXTRACT_MODE: 'daily' });
    const extracts = selectTasks(dailyGraph(), ['extract_yelp', 'load_geography'], true);
    let server: TestDatabase | undefined;
    const pgliteDir = path.join(mkdtempSync(path.join(tmpdir(), 'gourmand-crash-')), 'pglite');
    const open = async (): Promise<SourceDatabase> => {
      if (backend === 'postgres') {
        server ??= await createTestDatabase('postgres');
        return server;
      }
      const database = await openPglite(pgliteDir);
      await migrate(database);
      return database;
    };
    const release = async (database: SourceDatabase) => {
      if (backend === 'pglite') await database.close();
    };

    // Day 1 in full, then day 2's pull (extract only), as a crash during the day-2 load finds them.
    let database = await open();
    expect((await runDay(sim, settings, database as TestDatabase, DAY1)).status).toBe('succeeded');
    sim.setDate(DAY2);
    const pulled = await runGraph({ graph: extracts, runDate: DAY2, settings, database, log: silentLogger });
    expect(pulled.status).toBe('succeeded');
    const beforeCrash = await dumpTables(database);
    await release(database);

    const said = await killMidLoad(
      settings.stateDir,
      backend === 'postgres' ? server!.url! : pgliteDir,
      DAY2,
    );
    expect(said).toMatch(/^LOADED \d+$/);

    database = await open();
    expect(await dumpTables(database)).toEqual(beforeCrash);
    const rerun = await runDay(sim, settings, database as TestDatabase, DAY2);
    expect(rerun.status).toBe('succeeded');
    await expectMatchesTruth(database as TestDatabase, sim.world.truth(DAY2), new Set());
    const recovered = await dumpTables(database);
    await release(database);
    await server?.close();

    // The undisturbed run: the same pulls (kept in the state folder) loaded without a crash.
    const reference = await createTestDatabase(backend);
    try {
      expect((await runDay(sim, settings, reference, DAY1)).status).toBe('succeeded');
      expect((await runDay(sim, settings, reference, DAY2)).status).toBe('succeeded');
      expect(comparable(recovered)).toEqual(comparable(await dumpTables(reference)));
    } finally {
      await reference.close();
    }
  });
});
