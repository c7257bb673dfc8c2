import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/common/logger.ts';
import type { Settings } from '../../src/config/settings.ts';
import { selectTasks, type Task, validateGraph } from '../../src/orchestrator/graph.ts';
import { backoffDelay, runGraph } from '../../src/orchestrator/runner.ts';
import { createTestDatabase, databaseBackends, type TestDatabase } from '../support/database.ts';
import { testSettings } from '../support/settings.ts';

const task = (name: string, dependsOn: string[], run: Task['run']): Task => ({ name, dependsOn, run });

describe('task graph validation', () => {
  const ok = async () => ({});
  it('orders tasks after their dependencies', () => {
    const order = validateGraph([task('c', ['b'], ok), task('b', ['a'], ok), task('a', [], ok)]);
    expect(order.map((t) => t.name)).toEqual(['a', 'b', 'c']);
  });
  it('rejects cycles, unknown dependencies and duplicate names', () => {
    expect(() => validateGraph([task('a', ['b'], ok), task('b', ['a'], ok)])).toThrow(/cycle a -> b -> a/);
    expect(() => validateGraph([task('a', ['zz'], ok)])).toThrow(/unknown task "zz"/);
    expect(() => validateGraph([task('a', [], ok), task('a', [], ok)])).toThrow(/duplicate task "a"/);
  });
  it('selects a task with or without its upstream', () => {
    const graph = [task('a', [], ok), task('b', ['a'], ok), task('c', ['b'], ok), task('d', [], ok)];
    expect(selectTasks(graph, ['c'], true).map((t) => t.name)).toEqual(['a', 'b', 'c']);
    expect(selectTasks(graph, ['c'], false).map((t) => t.name)).toEqual(['c']);
    expect(() => selectTasks(graph, ['x'], false)).toThrow(/Unknown task "x"/);
  });
  it('backs off exponentially with jitter', () => {
    expect(backoffDelay(100, 1, () => 0)).toBe(50);
    expect(backoffDelay(100, 3, () => 0.999)).toBe(400);
  });
});

describe.each(databaseBackends)('in-process runner on %s', (backend) => {
  let database: TestDatabase;
  let settings: Settings;
  beforeAll(async () => {
    database = await createTestDatabase(backend);
    settings = testSettings();
  });
  afterAll(async () => {
    await database?.close();
  });

  it('retries, skips the dependents of a failed task, runs independent branches, and records it all', async () => {
    let flakyCalls = 0;
    const concurrentPeak = { now: 0, max: 0 };
    const tracked = (rows: number) => async () => {
      concurrentPeak.now++;
      concurrentPeak.max = Math.max(concurrentPeak.max, concurrentPeak.now);
      await new Promise((resolve) => setTimeout(resolve, 20));
      concurrentPeak.now--;
      return { rows };
    };
    const graph: Task[] = [
      task('extract', [], tracked(10)),
      task('flaky', ['extract'], async () => {
        flakyCalls++;
        if (flakyCalls === 1) throw new Error('transient: connection reset');
        return { rows: 5 };
      }),
      task('broken', ['extract'], async () => {
        throw new Error('schema mismatch');
      }),
      task('after_broken', ['broken'], tracked(1)),
      task('after_after_broken', ['after_broken'], tracked(1)),
      task('independent', [], tracked(7)),
      task('join', ['flaky', 'independent'], tracked(3)),
    ];
    const summary = await runGraph({
      graph,
      runDate: '2026-11-20',
      settings,
      database,
      log: silentLogger,
      attempts: 3,
      backoffMs: 1,
      concurrency: 2,
    });

    expect(summary.status).toBe('failed');
    expect(concurrentPeak.max).toBeLessThanOrEqual(2);
    const run = await database.db
      .selectFrom('ops.pipeline_run')
      .selectAll()
      .where('run_id', '=', summary.runId)
      .executeTakeFirstOrThrow();
    expect(run).toMatchObject({ run_date: '2026-11-20', status: 'failed', error: 'failed tasks: broken' });
    expect(run.ended_at).toBeInstanceOf(Date);

    const attempts = await database.db
      .selectFrom('ops.task_run')
      .select(['task_name', 'attempt', 'status', 'rows', 'error'])
      .where('run_id', '=', summary.runId)
      .orderBy('task_name')
      .orderBy('attempt')
      .execute();
    expect(attempts).toEqual([
      {
        task_name: 'after_after_broken',
        attempt: 1,
        status: 'skipped',
        rows: null,
        error: 'upstream task after_broken did not succeed',
      },
      {
        task_name: 'after_broken',
        attempt: 1,
        status: 'skipped',
        rows: null,
        error: 'upstream task broken did not succeed',
      },
      { task_name: 'broken', attempt: 1, status: 'failed', rows: null, error: 'schema mismatch' },
      { task_name: 'broken', attempt: 2, status: 'failed', rows: null, error: 'schema mismatch' },
      { task_name: 'broken', attempt: 3, status: 'failed', rows: null, error: 'schema mismatch' },
      { task_name: 'extract', attempt: 1, status: 'succeeded', rows: 10, error: null },
      { task_name: 'flaky', attempt: 1, status: 'failed', rows: null, error: 'transient: connection reset' },
      { task_name: 'flaky', attempt: 2, status: 'succeeded', rows: 5, error: null },
      { task_name: 'independent', attempt: 1, status: 'succeeded', rows: 7, error: null },
      { task_name: 'join', attempt: 1, status: 'succeeded', rows: 3, error: null },
    ]);
    expect(summary.tasks.flaky).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(summary.tasks.after_after_broken!.status).toBe('skipped');
  });

  it('marks a cancelled run and its running attempt as cancelled, never running', async () => {
    const controller = new AbortController();
    const graph: Task[] = [
      task('slow', [], async (ctx) => {
        controller.abort();
        // Stops on cancellation the way tasks do: by throwing.
        await new Promise((_, reject) =>
          ctx.signal.aborted ? reject(new Error('stopped')) : ctx.signal.addEventListener('abort', reject),
        );
        return { rows: ctx.attempt };
      }),
      task('after', ['slow'], async () => ({})),
    ];
    const summary = await runGraph({
      graph,
      runDate: '2026-11-21',
      settings,
      database,
      log: silentLogger,
      signal: controller.signal,
    });
    expect(summary.status).toBe('cancelled');
    const rows = await database.db
      .selectFrom('ops.task_run')
      .innerJoin('ops.pipeline_run', 'ops.pipeline_run.run_id', 'ops.task_run.run_id')
      .select(['task_name', 'ops.task_run.status as task_status', 'ops.pipeline_run.status as run_status'])
      .where('ops.task_run.run_id', '=', summary.runId)
      .execute();
    expect(rows).toEqual([{ task_name: 'slow', task_status: 'cancelled', run_status: 'cancelled' }]);
  });

  it('records a task that committed before noticing the cancellation as succeeded, starts no further task but the bookkeeping', async () => {
    const controller = new AbortController();
    const graph: Task[] = [
      task('load', [], async () => {
        // Cancelled mid-commit: the work is done and stands.
        controller.abort();
        return { rows: 7 };
      }),
      task('export', ['load'], async () => ({})),
      { ...task('invalidate', ['load'], async () => ({ rows: 1 })), evenIfCancelled: true },
    ];
    const summary = await runGraph({
      graph,
      runDate: '2026-11-21',
      settings,
      database,
      log: silentLogger,
      signal: controller.signal,
      concurrency: 1,
    });
    expect(summary.status).toBe('cancelled');
    const rows = await database.db
      .selectFrom('ops.task_run')
      .select(['task_name', 'status', 'rows'])
      .where('run_id', '=', summary.runId)
      .orderBy('task_name')
      .execute();
    expect(rows).toEqual([
      { task_name: 'invalidate', status: 'succeeded', rows: 1 },
      { task_name: 'load', status: 'succeeded', rows: 7 },
    ]);
  });
});
