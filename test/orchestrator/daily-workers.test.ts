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
import { simSettings } from '../e2e/truth.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import {
  redisUrl,
  runCli,
  settingsEnv,
  sourceTables,
  spawnWorkers,
  stopWorkers,
  uniquePrefix,
  type WorkerProcess,
  warehouseTables,
} from './workers.ts';

const enabled = Boolean(process.env.TEST_DATABASE_URL && redisUrl);
const slowGraph = path.join(import.meta.dirname, 'fixtures', 'daily-slow-graph.ts');
const DAY1 = '2026-02-02';
const DAY2 = '2026-02-09';

describe.runIf(enabled)(
  'the daily pipeline on two `gourmand worker` processes (real PostgreSQL and Redis)',
  () => {
    let sim: SimulatorServer;
    let local: TestDatabase;
    let server: TestDatabase;
    let localSettings: Settings;
    let remoteSettings: Settings;
    const prefix = uniquePrefix();
    const workers: WorkerProcess[] = [];

    beforeAll(async () => {
      // The West Coast's counties, not the country's: four pulls of ~3,200 searches were most of the time.
      sim = await startSimulator({
        businesses: 1500,
        seed: 21,
        date: DAY1,
        censusStates: ['CA', 'NV', 'OR', 'WA'],
      });
      local = await createTestDatabase('postgres');
      server = await createTestDatabase('postgres');
      localSettings = simSettings(sim);
      const remoteState = mkdtempSync(path.join(tmpdir(), 'gourmand-workers-'));
      remoteSettings = simSettings(sim, {
        GOURMAND_STATE_DIR: remoteState,
        REDIS_URL: redisUrl!,
        QUEUE_PREFIX: prefix,
        TASK_BACKOFF_MS: '10',
      });
      // The workers load exactly these settings, with the server database.
      const env = { ...settingsEnv(remoteSettings), DATABASE_URL: server.url!, LOG_LEVEL: 'info' };
      const args = ['--graph', slowGraph, '--lock-duration-ms', '5000', '--stalled-interval-ms', '1000'];
      workers.push(...(await spawnWorkers(2, args, env)));
    });

    afterAll(async () => {
      await stopWorkers(workers, prefix);
      await local?.close();
      await server?.close();
      await sim?.close();
    });

    const runBoth = async (date: string, duringRun?: (runId: number) => Promise<void>) => {
      sim.setDate(date);
      const inProcess = await runGraph({
        graph: dailyGraph(),
        runDate: date,
        settings: localSettings,
        database: local,
        log: silentLogger,
      });
      const runId = await submitRun({
        graph: dailyGraph(),
        runDate: date,
        settings: remoteSettings,
        database: server,
      });
      await duringRun?.(runId);
      const remote = await followRun({ graph: dailyGraph(), runId, database: server, log: silentLogger });
      return { inProcess, remote };
    };

    it('day 1 submitted with `gourmand run --executor bullmq` gives exactly the tables of the in-process runner', async () => {
      sim.setDate(DAY1);
      const inProcess = await runGraph({
        graph: dailyGraph(),
        runDate: DAY1,
        settings: localSettings,
        database: local,
        log: silentLogger,
      });
      expect(inProcess.status).toBe('succeeded');
      const cli = await runCli(['run', '--executor', 'bullmq', '--date', DAY1], {
        ...settingsEnv(remoteSettings),
        DATABASE_URL: server.url!,
        LOG_LEVEL: 'info',
      });
      expect(cli.code, `${cli.stdout}\n${cli.stderr.slice(-3000)}`).toBe(0);
      expect(cli.stdout).toMatch(new RegExp(`^Run \\d+ for ${DAY1}: succeeded`));
      for (const task of Object.keys(inProcess.tasks))
        expect(cli.stdout).toMatch(new RegExp(`${task}\\s+succeeded`));
      // Progress while following: counts of settled tasks (polled, so some counts may be skipped), up
      // to all of them.
      const total = Object.keys(inProcess.tasks).length;
      const counts = [...cli.stderr.matchAll(new RegExp(`(\\d+)/${total} tasks settled`, 'g'))].map((m) =>
        Number(m[1]),
      );
      expect(counts.length).toBeGreaterThan(1);
      expect(counts).toEqual([...counts].sort((a, b) => a - b));
      expect(counts.at(-1)).toBe(total);
      expect(await sourceTables(server)).toEqual(await sourceTables(local));
      expect(await warehouseTables(remoteSettings)).toEqual(await warehouseTables(localSettings));
    });

    it('day 2: a worker killed with SIGKILL mid-task has its job finished by the other, same final state', async () => {
      let victim: WorkerProcess | undefined;
      const { inProcess, remote } = await runBoth(DAY2, async () => {
        victim = await Promise.race(
          workers.map((w) => w.waitFor(`"runDate":"${DAY2}"`, 'load_yelp done, holding').then(() => w)),
        );
        await victim.stop('SIGKILL');
      });
      expect(inProcess.status).toBe('succeeded');
      expect(remote.status).toBe('succeeded');
      const attempts = await server.db
        .selectFrom('ops.task_run')
        .select(['attempt', 'status', 'error'])
        .where('run_id', '=', remote.runId)
        .where('task_name', '=', 'load_yelp')
        .orderBy('attempt')
        .execute();
      expect(attempts).toEqual([
        { attempt: 1, status: 'failed', error: 'worker lost (job stalled and was taken over)' },
        { attempt: 2, status: 'succeeded', error: null },
      ]);
      expect(workers.find((w) => w !== victim)!.output()).toContain('load_yelp done, holding');
      expect(await sourceTables(server)).toEqual(await sourceTables(local));
      expect(await warehouseTables(remoteSettings)).toEqual(await warehouseTables(localSettings));
    });
  },
);
