import { Gauge, Registry } from 'prom-client';
import type { SourceDatabase } from '../oltp/database.ts';

const dayMs = 86_400_000;
const daysSince = (date: string, now: Date) =>
  Math.floor((now.getTime() - Date.parse(`${date}T00:00:00Z`)) / dayMs);

/**
 * Prometheus metrics of the pipeline, read from the ops views at scrape time (nothing is kept in
 * memory, so any API replica reports the same numbers). Serve with `registry.metrics()`.
 */
export function pipelineMetrics(database: SourceDatabase, now: () => Date = () => new Date()): Registry {
  const registry = new Registry();
  const { db } = database;

  new Gauge({
    name: 'gourmand_pipeline_runs',
    help: 'Pipeline runs recorded in ops.pipeline_run, by status',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await db
        .selectFrom('ops.pipeline_run')
        .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
        .groupBy('status')
        .execute();
      for (const row of rows) this.set({ status: row.status }, Number(row.n));
    },
  });

  new Gauge({
    name: 'gourmand_last_run_succeeded',
    help: 'Whether the latest finished pipeline run (not a single task) succeeded (1) or not (0)',
    labelNames: ['run_date'],
    registers: [registry],
    async collect() {
      this.reset();
      const run = await db
        .selectFrom('ops.pipeline_run')
        .select(['run_date', 'status'])
        .where('status', '<>', 'running')
        .where('executor', '<>', 'task')
        .orderBy('run_id', 'desc')
        .limit(1)
        .executeTakeFirst();
      if (run) this.set({ run_date: run.run_date }, run.status === 'succeeded' ? 1 : 0);
    },
  });

  new Gauge({
    name: 'gourmand_task_duration_seconds',
    help: 'Task duration over its last 30 succeeded runs (ops.task_duration_stats)',
    labelNames: ['task', 'quantile'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const row of await db.selectFrom('ops.task_duration_stats').selectAll().execute()) {
        this.set({ task: row.task_name, quantile: '0.5' }, row.p50_seconds);
        this.set({ task: row.task_name, quantile: '0.95' }, row.p95_seconds);
      }
    },
  });

  new Gauge({
    name: 'gourmand_task_rows',
    help: 'Rows of the latest run of each task (ops.task_stats)',
    labelNames: ['task'],
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await db
        .selectFrom('ops.task_stats')
        .select(['task_name', 'rows'])
        .distinctOn('task_name')
        .orderBy('task_name')
        .orderBy('run_id', 'desc')
        .execute();
      for (const row of rows) if (row.rows !== null) this.set({ task: row.task_name }, row.rows);
    },
  });

  new Gauge({
    name: 'gourmand_check_pass_ratio',
    help: 'Share of checks that passed on the latest run date with checks (ops.check_pass_rate_daily)',
    labelNames: ['run_date'],
    registers: [registry],
    async collect() {
      this.reset();
      const day = await db
        .selectFrom('ops.check_pass_rate_daily')
        .selectAll()
        .orderBy('run_date', 'desc')
        .limit(1)
        .executeTakeFirst();
      if (day) this.set({ run_date: day.run_date }, day.pass_rate);
    },
  });

  new Gauge({
    name: 'gourmand_checks',
    help: 'Checks of the latest run date with checks, by status',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      this.reset();
      const day = await db
        .selectFrom('ops.check_pass_rate_daily')
        .selectAll()
        .orderBy('run_date', 'desc')
        .limit(1)
        .executeTakeFirst();
      this.set({ status: 'pass' }, day?.passed ?? 0);
      this.set({ status: 'warn' }, day?.warned ?? 0);
      this.set({ status: 'fail' }, day?.failed ?? 0);
    },
  });

  new Gauge({
    name: 'gourmand_data_age_days',
    help: 'Days since the latest daily holding, in the source database and in the warehouse',
    labelNames: ['side'],
    registers: [registry],
    async collect() {
      this.reset();
      const row = await db.selectFrom('ops.data_freshness').selectAll().executeTakeFirst();
      if (row?.source_latest) this.set({ side: 'source' }, daysSince(row.source_latest, now()));
      if (row?.warehouse_latest) this.set({ side: 'warehouse' }, daysSince(row.warehouse_latest, now()));
    },
  });

  new Gauge({
    name: 'gourmand_alerts',
    help: 'Alerts recorded in ops.alert, by delivery status',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await db
        .selectFrom('ops.alert')
        .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
        .groupBy('status')
        .execute();
      for (const row of rows) this.set({ status: row.status }, Number(row.n));
    },
  });

  return registry;
}
