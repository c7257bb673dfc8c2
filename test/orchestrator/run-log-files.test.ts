import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, silentLogger } from '../../src/common/logger.ts';
import type { Task } from '../../src/orchestrator/graph.ts';
import { TASK_LOG_LIMIT } from '../../src/orchestrator/log-files.ts';
import { runGraph } from '../../src/orchestrator/runner.ts';
import { createTestDatabase, databaseBackends, type TestDatabase } from '../support/database.ts';
import { testSettings } from '../support/settings.ts';

const WARNINGS = TASK_LOG_LIMIT + 50;
const noisy: Task = {
  name: 'noisy',
  dependsOn: [],
  run: async ({ log }) => {
    for (let i = 0; i < WARNINGS; i++) log.warn({ i }, `warning ${i}`);
    log.info('noisy done');
    return { rows: WARNINGS };
  },
};

describe.each(databaseBackends)('run log files and ops.task_log (%s)', (backend) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(backend);
  });
  afterAll(async () => {
    await database?.close();
  });

  it("writes the run's whole log to its file, records it, keeps warnings in ops.task_log on a server (bounded)", async () => {
    const settings = testSettings({ LOG_RETENTION_DAYS: '2' });
    // A file last written three days ago is past LOG_RETENTION_DAYS; a recent one stays.
    const stale = path.join(settings.stateDir, 'logs', '2020-01-01', 'run-999.jsonl');
    const recent = path.join(settings.stateDir, 'logs', '2020-01-02', 'run-998.jsonl');
    for (const file of [stale, recent]) {
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, '{}\n');
    }
    const old = new Date(Date.now() - 3 * 24 * 3600 * 1000);
    utimesSync(stale, old, old);
    // The console is silent; the file still gets info and up.
    const log = createLogger('silent');
    const summary = await runGraph({ graph: [noisy], runDate: '2026-04-01', settings, database, log });
    expect(summary.status).toBe('succeeded');
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(path.dirname(stale))).toBe(false);
    expect(existsSync(recent)).toBe(true);

    const file = path.join(settings.stateDir, 'logs', '2026-04-01', `run-${summary.runId}.jsonl`);
    const records = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(records.every((r) => r.runId === summary.runId)).toBe(true);
    const warnings = records.filter((r) => r.level === 40 && r.task === 'noisy');
    expect(warnings.map((r) => r.i)).toEqual([...Array(WARNINGS).keys()]);
    expect(records.map((r) => r.event).filter(Boolean)).toEqual([
      'run_started',
      'task_started',
      'task_succeeded',
      'run_finished',
    ]);
    const run = await database.db
      .selectFrom('ops.pipeline_run')
      .select('log_file')
      .where('run_id', '=', summary.runId)
      .executeTakeFirstOrThrow();
    expect(run.log_file).toBe(file);

    const kept = await database.db
      .selectFrom('ops.task_log')
      .select(['task_name', 'level', 'msg'])
      .where('run_id', '=', summary.runId)
      .orderBy('task_log_id')
      .execute();
    if (backend === 'postgres') {
      expect(kept).toHaveLength(TASK_LOG_LIMIT);
      expect(kept.map((k) => k.msg)).toEqual(warnings.slice(0, TASK_LOG_LIMIT).map((r) => r.msg));
      expect(new Set(kept.map((k) => `${k.task_name}/${k.level}`))).toEqual(new Set(['noisy/warn']));
    } else {
      // An embedded database is one folder with the files: nothing is copied into it.
      expect(kept).toEqual([]);
    }
  });

  it("keeps a run's whole log when the run is given silentLogger (the tests' and library callers' logger)", async () => {
    const settings = testSettings();
    const summary = await runGraph({
      graph: [noisy],
      runDate: '2026-04-03',
      settings,
      database,
      log: silentLogger,
    });
    const file = path.join(settings.stateDir, 'logs', '2026-04-03', `run-${summary.runId}.jsonl`);
    const records = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(records.filter((r) => r.level === 40 && r.task === 'noisy')).toHaveLength(WARNINGS);
    expect(records.map((r) => r.msg)).toContain('noisy done');
    expect(records.map((r) => r.event).filter(Boolean)).toEqual([
      'run_started',
      'task_started',
      'task_succeeded',
      'run_finished',
    ]);
  });
});
