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
import { comparable, dumpTables, expectMatchesTruth, runDay, servedTruth, simSettings } from './truth.ts';

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

// The West's counties, not the country's ~3,200: what is under test is the load, not the pull's breadth.
const STATES = ['CA', 'NV', 'OR', 'WA', 'AZ'];

vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

describe.each(databaseBackends)('a load killed mid-transaction (%s)', (backend) => {
  let sim: SimulatorServer;
  const truth = (date: string) => servedTruth(sim.world.truth(date), STATES);
  beforeAll(async () => {
    sim = await startSimulator({
      businesses: 3000,
      seed: 5,
      date: DAY1,
      searchDepthCap: 240,
      censusStates: STATES,
    });
  });
  afterAll(async () => {
    await sim?.close();
  });

  it('inside the first load: leaves the previous state, and the re-runs end exactly as an undisturbed run, ids included', async () => {
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

    // Day 1's pull and geography, as a crash during the first Yelp load finds them.
    let database = await open();
    sim.setDate(DAY1);
    const pulled = await runGraph({ graph: extracts, runDate: DAY1, settings, database, log: silentLogger });
    expect(pulled.status).toBe('succeeded');
    const beforeCrash = await dumpTables(database);
    await release(database);

    const said = await killMidLoad(
      settings.stateDir,
      backend === 'postgres' ? server!.url! : pgliteDir,
      DAY1,
    );
    expect(said).toMatch(/^LOADED \d+$/);

    database = await open();
    expect(await dumpTables(database)).toEqual(beforeCrash);
    expect((await runDay(sim, settings, database as TestDatabase, DAY1)).status).toBe('succeeded');
    await expectMatchesTruth(database as TestDatabase, truth(DAY1), new Set());
    expect((await runDay(sim, settings, database as TestDatabase, DAY2)).status).toBe('succeeded');
    await expectMatchesTruth(database as TestDatabase, truth(DAY2), new Set());
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
