import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/common/logger.ts';
import type { Settings } from '../../src/config/settings.ts';
import { followRun, submitRun } from '../../src/orchestrator/bullmq.ts';
import { dailyGraph } from '../../src/orchestrator/pipeline.ts';
import { runGraph } from '../../src/orchestrator/runner.ts';
import { type SimulatorServer, startSimulator } from '../../src/simulator/index.ts';
import { comparable, simSettings, WEST } from '../e2e/truth.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import {
  redisUrl,
  settingsEnv,
  sourceTables,
  spawnWorkers,
  stopWorkers,
  uniquePrefix,
  type WorkerProcess,
  warehouseTables,
} from './workers.ts';

const enabled = Boolean(process.env.TEST_DATABASE_URL && redisUrl);
const stallGraph = path.join(import.meta.dirname, 'fixtures', 'stall-before-commit.ts');
const DAY = '2026-03-02';

describe.runIf(enabled)(
  'fencing: a stalled BullMQ worker never commits a task taken over (real PostgreSQL and Redis)',
  () => {
    let sim: SimulatorServer;
    let local: TestDatabase;
    let server: TestDatabase;
    let localSettings: Settings;
    let remoteSettings: Settings;
    const prefix = uniquePrefix();
    const workers: WorkerProcess[] = [];

    beforeAll(async () => {
      // The country-wide searches, twice, were most of the test's time.
      sim = await startSimulator({ businesses: 800, seed: 33, date: DAY, censusStates: WEST });
      local = await createTestDatabase('postgres');
      server = await createTestDatabase('postgres');
      localSettings = simSettings(sim);
      remoteSettings = simSettings(sim, {
        GOURMAND_STATE_DIR: mkdtempSync(path.join(tmpdir(), 'gourmand-fencing-')),
        REDIS_URL: redisUrl!,
        QUEUE_PREFIX: prefix,
        TASK_BACKOFF_MS: '10',
      });
      const env = { ...settingsEnv(remoteSettings), DATABASE_URL: server.url!, LOG_LEVEL: 'info' };
      const args = ['--graph', stallGraph, '--lock-duration-ms', '3000', '--stalled-interval-ms', '1000'];
      workers.push(...(await spawnWorkers(2, args, env)));
    }, 300_000);

    afterAll(async () => {
      for (const worker of workers) worker.child.kill('SIGCONT');
      await stopWorkers(workers, prefix);
      await local?.close();
      await server?.close();
      await sim?.close();
    });

    it('SIGSTOP mid-load_yelp past its lock, another worker takes over, SIGCONT: the first aborts before committing; same final state', {
      timeout: 600_000,
    }, async () => {
      const undisturbed = await runGraph({
        graph: dailyGraph(),
        runDate: DAY,
        settings: localSettings,
        database: local,
        log: silentLogger,
      });
      expect(undisturbed.status).toBe('succeeded');
      const runId = await submitRun({
        graph: dailyGraph(),
        runDate: DAY,
        settings: remoteSettings,
        database: server,
      });
      const victim = await Promise.race(
        workers.map((w) => w.waitFor('load_yelp about to commit').then(() => w)),
      );
      victim.child.kill('SIGSTOP');
      const taker = workers.find((w) => w !== victim)!;
      await taker.waitFor('load_yelp started (attempt 2)');
      victim.child.kill('SIGCONT');
      await victim.waitFor('was taken over by another worker', 'not committing');
      const remote = await followRun({ graph: dailyGraph(), runId, database: server, log: silentLogger });
      expect(remote.status).toBe('succeeded');
      const attempts = await server.db
        .selectFrom('ops.task_run')
        .select(['attempt', 'status', 'error'])
        .where('run_id', '=', runId)
        .where('task_name', '=', 'load_yelp')
        .orderBy('attempt')
        .execute();
      expect(attempts).toEqual([
        { attempt: 1, status: 'failed', error: 'worker lost (job stalled and was taken over)' },
        { attempt: 2, status: 'succeeded', error: null },
      ]);
      // The aborted load committed nothing and burnt no ids (ids come from the rows, not sequences).
      expect(comparable(await sourceTables(server))).toEqual(comparable(await sourceTables(local)));
      expect(await warehouseTables(remoteSettings)).toEqual(await warehouseTables(localSettings));
    });
  },
);
