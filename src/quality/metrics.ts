import { Gauge, Registry } from 'prom-client';
import type { SourceDatabase } from '../oltp/database.ts';
import { coverageSummary } from './status.ts';

const dayMs = 86_400_000;
const daysSince = (date: string, now: Date) =>
  Math.floor((now.getTime() - Date.parse(`${date}T00:00:00Z`)) / dayMs);

type Sample = [labels: Record<string, string>, value: number];

/**
 * Prometheus metrics of the pipeline, read from the ops views at scrape time (nothing is kept in
 * memory, so any API replica reports the same numbers). Serve with `registry.metrics()`.
 */
export function pipelineMetrics(database: SourceDatabase, now: () => Date = () => new Date()): Registry {
  const registry = new Registry();
  const { db } = database;

  /** A gauge whose samples are read afresh at every scrape. */
  const gauge = (name: string, help: string, labelNames: string[], read: () => Promise<Sample[]>) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        const samples = await read();
        this.reset();
        for (const [labels, value] of samples) this.set(labels, value);
      },
    });

  const countByStatus = async (table: 'ops.pipeline_run' | 'ops.alert'): Promise<Sample[]> => {
    const rows = await db
      .selectFrom(table)
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('status')
      .execute();
    return rows.map((row) => [{ status: row.status }, Number(row.n)]);
  };

  const latestCheckDay = () =>
    db
      .selectFrom('ops.check_pass_rate_daily')
      .selectAll()
      .orderBy('run_date', 'desc')
      .limit(1)
      .executeTakeFirst();

  gauge('gourmand_pipeline_runs', 'Pipeline runs recorded in ops.pipeline_run, by status', ['status'], () =>
    countByStatus('ops.pipeline_run'),
  );

  gauge(
    'gourmand_coverage_counties',
    "Counties of each source's current pull pass (ops.coverage): pulled, failed on the latest date, not yet pulled",
    ['source', 'state'],
    async () =>
      (await coverageSummary(database)).flatMap((c): Sample[] => [
        [{ source: c.source, state: 'pulled' }, c.pulled],
        [{ source: c.source, state: 'failed' }, c.failed],
        [{ source: c.source, state: 'not_yet_pulled' }, c.not_yet_pulled],
      ]),
  );

  gauge(
    'gourmand_last_run_succeeded',
    'Whether the latest finished pipeline run (not a single task) succeeded (1) or not (0)',
    ['run_date'],
    async () => {
      const run = await db
        .selectFrom('ops.pipeline_run')
        .select(['run_date', 'status'])
        .where('status', '<>', 'running')
        .where('executor', '<>', 'task')
        .orderBy('run_id', 'desc')
        .limit(1)
        .executeTakeFirst();
      return run ? [[{ run_date: run.run_date }, run.status === 'succeeded' ? 1 : 0]] : [];
    },
  );

  gauge(
    'gourmand_task_duration_seconds',
    'Task duration over its last 30 succeeded runs (ops.task_duration_stats)',
    ['task', 'quantile'],
    async () =>
      (await db.selectFrom('ops.task_duration_stats').selectAll().execute()).flatMap((row): Sample[] => [
        [{ task: row.task_name, quantile: '0.5' }, row.p50_seconds],
        [{ task: row.task_name, quantile: '0.95' }, row.p95_seconds],
      ]),
  );

  gauge('gourmand_task_rows', 'Rows of the latest run of each task (ops.task_stats)', ['task'], async () => {
    const rows = await db
      .selectFrom('ops.task_stats')
      .select(['task_name', 'rows'])
      .distinctOn('task_name')
      .orderBy('task_name')
      .orderBy('run_id', 'desc')
      .execute();
    return rows.flatMap((row): Sample[] => (row.rows === null ? [] : [[{ task: row.task_name }, row.rows]]));
  });

  gauge(
    'gourmand_check_pass_ratio',
    'Share of checks that passed on the latest run date with checks (ops.check_pass_rate_daily)',
    ['run_date'],
    async () => {
      const day = await latestCheckDay();
      return day ? [[{ run_date: day.run_date }, day.pass_rate]] : [];
    },
  );

  gauge('gourmand_checks', 'Checks of the latest run date with checks, by status', ['status'], async () => {
    const day = await latestCheckDay();
    return [
      [{ status: 'pass' }, day?.passed ?? 0],
      [{ status: 'warn' }, day?.warned ?? 0],
      [{ status: 'fail' }, day?.failed ?? 0],
    ];
  });

  gauge(
    'gourmand_data_age_days',
    'Days since the latest daily holding, in the source database and in the warehouse',
    ['side'],
    async () => {
      const row = await db.selectFrom('ops.data_freshness').selectAll().executeTakeFirst();
      const samples: Sample[] = [];
      if (row?.source_latest) samples.push([{ side: 'source' }, daysSince(row.source_latest, now())]);
      if (row?.warehouse_latest)
        samples.push([{ side: 'warehouse' }, daysSince(row.warehouse_latest, now())]);
      return samples;
    },
  );

  gauge('gourmand_alerts', 'Alerts recorded in ops.alert, by delivery status', ['status'], () =>
    countByStatus('ops.alert'),
  );

  // Read from the server, not from the stream process: a stalled or dead stream still shows here.
  gauge(
    'gourmand_cdc_slot_lag_bytes',
    'WAL the server keeps for each logical replication slot (current WAL position minus its confirmed position)',
    ['slot'],
    async () => {
      if (!database.pool) return [];
      const { rows } = await database.pool.query<{ slot: string; lag: string | null }>(
        `select slot_name as slot, pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint as lag
         from pg_replication_slots where slot_type = 'logical'`,
      );
      return rows.map((row): Sample => [{ slot: row.slot }, Number(row.lag ?? 0)]);
    },
  );

  return registry;
}
