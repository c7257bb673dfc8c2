import { readFileSync } from 'node:fs';
import { type Selectable, sql } from 'kysely';
import type { SourceDatabase } from '../oltp/database.ts';
import type { DataFreshnessView, TaskDurationStatsView } from '../oltp/schema.ts';

export interface RunLine {
  run_id: number;
  run_date: string;
  executor: string;
  status: string;
  started_at: Date;
  seconds: number | null;
  tasks_ok: number;
  tasks_failed: number;
  tasks_skipped: number;
  error: string | null;
}

export interface CheckLine {
  run_id: number | null;
  run_date: string;
  check: string;
  entity: string;
  severity: string;
  status: string;
  expected: number | null;
  actual: number | null;
}

/** Where a source's rotating pull stands (src/quality/coverage.sql). */
export interface CoverageLine {
  source: string;
  pass_started: string;
  pulled: number;
  failed: number;
  not_yet_pulled: number;
  oldest_pull: string | null;
}

const COVERAGE = sql.raw(readFileSync(new URL('./coverage.sql', import.meta.url), 'utf8'));

export async function coverageSummary(database: SourceDatabase): Promise<CoverageLine[]> {
  return (await sql<CoverageLine>`${COVERAGE}`.execute(database.db)).rows;
}

/** What `gourmand status` shows: the last runs, the checks failing now, freshness and task timings. */
export interface StatusReport {
  runs: RunLine[];
  coverage: CoverageLine[];
  failingChecks: CheckLine[];
  freshness: Selectable<DataFreshnessView> | null;
  taskDurations: TaskDurationStatsView[];
}

export async function statusReport(
  database: SourceDatabase,
  options: { runs?: number } = {},
): Promise<StatusReport> {
  const { db } = database;
  const runs = await db
    .selectFrom('ops.pipeline_run as r')
    .select((eb) => [
      'r.run_id',
      'r.run_date',
      'r.executor',
      'r.status',
      'r.started_at',
      'r.ended_at',
      'r.error',
      eb
        .selectFrom('ops.task_stats as t')
        .whereRef('t.run_id', '=', 'r.run_id')
        .where('t.status', '=', 'succeeded')
        .select((e) => e.fn.countAll<number>().as('n'))
        .as('tasks_ok'),
      eb
        .selectFrom('ops.task_stats as t')
        .whereRef('t.run_id', '=', 'r.run_id')
        .where('t.status', '=', 'failed')
        .select((e) => e.fn.countAll<number>().as('n'))
        .as('tasks_failed'),
      eb
        .selectFrom('ops.task_run as t')
        .whereRef('t.run_id', '=', 'r.run_id')
        .where('t.status', '=', 'skipped')
        .select((e) => e.fn.countAll<number>().as('n'))
        .as('tasks_skipped'),
    ])
    .orderBy('r.run_id', 'desc')
    .limit(options.runs ?? 10)
    .execute();
  // The checks of the latest run that recorded any, that did not pass.
  const latest = await db
    .selectFrom('ops.check_result')
    .select('run_id')
    .where('run_id', 'is not', null)
    .orderBy('check_result_id', 'desc')
    .limit(1)
    .executeTakeFirst();
  const failingChecks = latest
    ? await db
        .selectFrom('ops.check_result')
        .select([
          'run_id',
          'run_date',
          'check_name as check',
          'entity',
          'severity',
          'status',
          'expected',
          'actual',
        ])
        .where('run_id', '=', latest.run_id)
        .where('status', '<>', 'pass')
        .orderBy('status')
        .orderBy('check_result_id')
        .execute()
    : [];

  return {
    runs: runs.map((r) => {
      const end = r.ended_at;
      return {
        run_id: r.run_id,
        run_date: r.run_date,
        executor: r.executor,
        status: r.status,
        started_at: r.started_at,
        seconds: end ? Math.round((end.getTime() - r.started_at.getTime()) / 100) / 10 : null,
        tasks_ok: Number(r.tasks_ok ?? 0),
        tasks_failed: Number(r.tasks_failed ?? 0),
        tasks_skipped: Number(r.tasks_skipped ?? 0),
        error: r.error,
      };
    }),
    failingChecks,
    coverage: await coverageSummary(database),
    freshness: (await db.selectFrom('ops.data_freshness').selectAll().executeTakeFirst()) ?? null,
    taskDurations: await db.selectFrom('ops.task_duration_stats').selectAll().orderBy('task_name').execute(),
  };
}
