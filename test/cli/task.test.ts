import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/oltp/database.ts';
import { gourmand } from '../support/cli.ts';
import { migratedStateDir } from '../support/database.ts';

const fixture = path.resolve(import.meta.dirname, '..', 'orchestrator', 'fixtures', 'diamond-graph.ts');

describe('gourmand task and backfill', () => {
  let stateDir: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    stateDir = await migratedStateDir('gourmand-task-');
    env = { GOURMAND_STATE_DIR: stateDir, DATABASE_URL: '', TASK_BACKOFF_MS: '1' };
  });
  const runs = async () => {
    const database = await openDatabase({ stateDir, databaseUrl: undefined });
    try {
      return await database.db
        .selectFrom('ops.pipeline_run')
        .select(['run_id', 'run_date', 'executor', 'status'])
        .orderBy('run_id')
        .execute();
    } finally {
      await database.close();
    }
  };

  it('lists the graph in dependency order', async () => {
    const result = await gourmand(['task', 'list', '--graph', fixture, '--json'], env);
    expect(result.code).toBe(0);
    const tasks = JSON.parse(result.stdout) as { task: string; depends_on: string }[];
    expect(tasks.map((t) => [t.task, t.depends_on])).toEqual([
      ['extract', ''],
      ['transform_a', 'extract'],
      ['transform_b', 'extract'],
      ['publish', 'transform_a, transform_b'],
    ]);
  });

  it('task run runs one task without its upstream, once by default', async () => {
    const publish = await gourmand(['task', 'run', 'publish', '--date', '2026-05-01', '--graph', fixture], env);
    expect(publish.code).toBe(0);
    expect(publish.stdout).toMatch(/for 2026-05-01: succeeded/);
    expect(publish.stdout).toMatch(/publish\s+succeeded\s+1\s+1/);
    // extract fails its first attempt, and task run makes one attempt: retrying is Airflow's job.
    const once = await gourmand(['task', 'run', 'extract', '--date', '2026-05-01', '--graph', fixture], env);
    expect(once.code).toBe(1);
    expect(once.stdout).toMatch(/extract\s+failed\s+1.*transient: first attempt always fails/);
    const unknown = await gourmand(['task', 'run', 'nope', '--date', '2026-05-01', '--graph', fixture], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(
      /Unknown task "nope" \(tasks: extract, transform_a, transform_b, publish\)/,
    );
  });

  it('backfill runs the dates in order and stops at the first failed one', async () => {
    const stopped = await gourmand(
      ['backfill', '--from', '2026-05-11', '--to', '2026-05-15', '--graph', fixture],
      env,
    );
    expect(stopped.code).toBe(1);
    expect(stopped.stdout).toMatch(/2026-05-13\s+\d+\s+failed/);
    const backfilled = (await runs()).filter((r) => r.executor === 'in-process');
    expect(backfilled.map((r) => [r.run_date, r.status])).toEqual([
      ['2026-05-11', 'succeeded'],
      ['2026-05-12', 'succeeded'],
      ['2026-05-13', 'failed'],
    ]);
    const bad = await gourmand(['backfill', '--from', '2026-05-12', '--to', '2026-05-01', '--graph', fixture], env);
    expect([bad.code, bad.stderr.trim()]).toEqual([
      2,
      'error: Invalid range: --from 2026-05-12 is after --to 2026-05-01',
    ]);
  });
});
