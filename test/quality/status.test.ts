import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.ts';
import { MemoryCache } from '../../src/api/cache/memory.ts';
import { silentLogger } from '../../src/common/logger.ts';
import { openDatabase, type SourceDatabase } from '../../src/oltp/database.ts';
import type { Task } from '../../src/orchestrator/graph.ts';
import { runGraph } from '../../src/orchestrator/runner.ts';
import { recordCheckResults } from '../../src/quality/check-log.ts';
import { statusReport } from '../../src/quality/status.ts';
import { seedStandard } from '../api/fixtures.ts';
import { gourmand } from '../support/cli.ts';
import { createTestDatabase, databaseBackends, openMigratedPglite } from '../support/database.ts';
import { testSettings } from '../support/settings.ts';

const DATE = '2026-01-03';

/** Two runs: one failing (a task out of attempts, its dependent skipped), one green with checks. */
async function history(database: SourceDatabase) {
  await seedStandard(database.db);
  const settings = testSettings();
  const load: Task = { name: 'load', dependsOn: [], run: async () => ({ rows: 5 }) };
  const broken: Task = {
    name: 'broken',
    dependsOn: [],
    attempts: 2,
    run: async () => {
      throw new Error('disk full');
    },
  };
  const after: Task = { name: 'after', dependsOn: ['broken'], run: async () => ({}) };
  const checks: Task = {
    name: 'checks',
    dependsOn: ['load'],
    async run(ctx) {
      await recordCheckResults(ctx.database, ctx, [
        { check: 'row_count', entity: 'business', severity: 'error', status: 'pass', expected: 7, actual: 7 },
        { check: 'key_set', entity: 'business', severity: 'warn', status: 'warn', expected: 0, actual: 2 },
        {
          check: 'freshness',
          entity: 'business_holding',
          severity: 'error',
          status: 'fail',
          expected: 20260103,
          actual: 20260102,
          details: { source: '2026-01-03', warehouse: '2026-01-02', lag_days: 1 },
        },
      ]);
      return { rows: 3 };
    },
  };
  const log = silentLogger;
  await runGraph({ graph: [load, broken, after], runDate: DATE, settings, database, log });
  await runGraph({ graph: [load, checks], runDate: DATE, settings, database, log });
}

describe.each(databaseBackends)('status and /metrics on %s', (backend) => {
  let database: SourceDatabase;
  let env: Record<string, string>;

  beforeAll(async () => {
    if (backend === 'postgres') {
      const server = await createTestDatabase('postgres');
      database = server;
      env = { DATABASE_URL: server.url! };
    } else {
      // A file database, so the CLI in a child process can open it after this process closes it.
      const stateDir = mkdtempSync(path.join(tmpdir(), 'gourmand-status-'));
      database = await openMigratedPglite(path.join(stateDir, 'pglite'));
      env = { GOURMAND_STATE_DIR: stateDir, DATABASE_URL: '' };
    }
    await history(database);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('reports the last runs, failing checks, freshness and task timings', async () => {
    const report = await statusReport(database);
    expect(report.runs.map((r) => [r.status, r.tasks_ok, r.tasks_failed, r.tasks_skipped])).toEqual([
      ['succeeded', 2, 0, 0],
      ['failed', 1, 1, 1],
    ]);
    expect(report.runs[1]!.error).toBe('failed tasks: broken');
    expect(report.failingChecks.map((c) => [c.check, c.status, c.expected, c.actual])).toEqual([
      ['freshness', 'fail', 20260103, 20260102],
      ['key_set', 'warn', 0, 2],
    ]);
    expect(report.freshness).toMatchObject({
      source_latest: '2026-01-03',
      warehouse_latest: '2026-01-02',
      last_succeeded_run_date: DATE,
      freshness_status: 'fail',
    });
    expect(report.taskDurations.map((t) => [t.task_name, t.runs, t.avg_rows])).toEqual([
      ['checks', 1, 3],
      ['load', 2, 5],
    ]);
  });

  it('serves /metrics in Prometheus text format from the ops views', async () => {
    const app = await buildApp({
      settings: testSettings({ JWT_SECRET: 'x'.repeat(32) }),
      database,
      cache: new MemoryCache(),
      log: silentLogger,
    });
    try {
      const response = await app.inject({ method: 'GET', url: '/metrics' });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      const lines = response.body.split('\n');
      const age = Math.floor((Date.now() - Date.parse(`${DATE}T00:00:00Z`)) / 86_400_000);
      for (const line of [
        '# TYPE gourmand_pipeline_runs gauge',
        'gourmand_pipeline_runs{status="failed"} 1',
        'gourmand_pipeline_runs{status="succeeded"} 1',
        `gourmand_last_run_succeeded{run_date="${DATE}"} 1`,
        'gourmand_task_rows{task="load"} 5',
        'gourmand_task_rows{task="checks"} 3',
        `gourmand_check_pass_ratio{run_date="${DATE}"} 0.3333`,
        'gourmand_checks{status="pass"} 1',
        'gourmand_checks{status="warn"} 1',
        'gourmand_checks{status="fail"} 1',
        `gourmand_data_age_days{side="source"} ${age}`,
        `gourmand_data_age_days{side="warehouse"} ${age + 1}`,
      ]) {
        expect(lines).toContain(line);
      }
      expect(
        lines.some((l) => /^gourmand_task_duration_seconds\{task="load",quantile="0.95"\} [\d.e-]+$/.test(l)),
      ).toBe(true);
    } finally {
      await app.close();
    }
  });

  it('gourmand status prints the same as a table and as JSON', async () => {
    if (backend === 'pglite') await database.close();
    try {
      const text = await gourmand(['status'], env);
      expect(text.code).toBe(0);
      expect(text.stdout).toMatch(/^Last runs\nrun\s+date\s+executor\s+status/);
      expect(text.stdout).toMatch(
        /\d+\s+2026-01-03\s+in-process\s+failed\s+.*\s1\s+1\s+1\s+failed tasks: broken/,
      );
      expect(text.stdout).toMatch(/Failing checks \(run \d+, 2026-01-03\)\ncheck\s+entity/);
      expect(text.stdout).toMatch(/freshness\s+business_holding\s+error\s+fail\s+20260103\s+20260102/);
      expect(text.stdout).toMatch(/2026-01-03\s+2026-01-02\s+2026-01-03\s+fail/);
      const json = await gourmand(['status', '--json', '--runs', '1'], env);
      expect(json.code).toBe(0);
      const report = JSON.parse(json.stdout);
      expect(report.runs).toHaveLength(1);
      expect(report.failingChecks).toHaveLength(2);
      expect(report.freshness.warehouse_latest).toBe('2026-01-02');
    } finally {
      if (backend === 'pglite')
        database = await openDatabase({ stateDir: env.GOURMAND_STATE_DIR!, databaseUrl: undefined });
    }
  });
});
