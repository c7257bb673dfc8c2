import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { z } from 'zod';
import { readLogs } from '../../orchestrator/log-query.ts';
import { notFound } from '../errors.ts';
import { IdParams, json, Limit } from '../schema.ts';

const tags = ['pipeline'];
const Timestamp = z.string().describe('ISO 8601 instant');

const Cell = z.object({
  task: z.string(),
  status: z.string().describe('Status of the last attempt'),
  attempts: z.number().int(),
});
const Run = z.object({
  runId: z.number().int(),
  runDate: z.string(),
  executor: z.string(),
  status: z.string(),
  startedAt: Timestamp,
  endedAt: Timestamp.nullable(),
  error: z.string().nullable(),
});
const Attempt = z.object({
  task: z.string(),
  attempt: z.number().int(),
  status: z.string(),
  startedAt: Timestamp,
  endedAt: Timestamp.nullable(),
  rows: z.number().nullable(),
  error: z.string().nullable(),
});
const Check = z.object({
  check: z.string(),
  entity: z.string(),
  severity: z.string(),
  status: z.string(),
  expected: z.number().nullable(),
  actual: z.number().nullable(),
  runDate: z.string(),
  runId: z.number().int().nullable(),
});
const Alert = z.object({
  alertId: z.number().int(),
  status: z.string(),
  createdAt: Timestamp,
  sentAt: Timestamp.nullable(),
  text: z.string().nullable(),
  attempts: z.array(
    z.object({
      attempt: z.number().int(),
      attemptedAt: Timestamp,
      httpStatus: z.number().int().nullable(),
      error: z.string().nullable(),
      durationMs: z.number(),
    }),
  ),
});
const LogLine = z.object({
  time: Timestamp,
  level: z.string(),
  task: z.string().nullable(),
  msg: z.string(),
  err: z.string().nullable(),
});
const LEVEL_NAMES = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;

const Freshness = z.object({
  sourceLatest: z.string().nullable(),
  warehouseLatest: z.string().nullable(),
  lastSucceededRunDate: z.string().nullable(),
  status: z.string().nullable(),
  checkedAt: Timestamp.nullable(),
});

const iso = (d: Date | null) => (d ? d.toISOString() : null);
// Errors first, then warnings, then passes; within each, by name.
const STATUS_ORDER: Record<string, number> = { fail: 0, warn: 1, pass: 2 };

/**
 * Pipeline monitoring, read from the run history in the source database's `ops` schema. Not
 * cached: it changes while a run is going, and the dashboard polls it.
 */
export async function pipelineRoutes(app: FastifyInstance) {
  const db = app.db;

  app.get(
    '/runs',
    {
      schema: {
        tags,
        summary: 'The last runs with the status of each task (the grid of runs × tasks)',
        querystring: json(z.object({ limit: Limit(100, 20) })),
        response: {
          200: json(z.object({ items: z.array(Run.extend({ tasks: z.array(Cell) })) }), 'output'),
        },
      },
    },
    async (request) => {
      const { limit } = request.query as { limit: number };
      const runs = await db
        .selectFrom('ops.pipeline_run')
        .selectAll()
        .orderBy('run_id', 'desc')
        .limit(limit)
        .execute();
      const ids = runs.map((r) => r.run_id);
      const attempts = ids.length
        ? await db
            .selectFrom('ops.task_run')
            .select(['run_id', 'task_name', 'attempt', 'status'])
            .where('run_id', 'in', ids)
            .orderBy('run_id')
            .orderBy('task_name')
            .orderBy('attempt')
            .execute()
        : [];
      return {
        items: runs.map((run) => {
          const cells = new Map<string, { task: string; status: string; attempts: number }>();
          for (const a of attempts.filter((x) => x.run_id === run.run_id)) {
            cells.set(a.task_name, { task: a.task_name, status: a.status, attempts: a.attempt });
          }
          return { ...runView(run), tasks: [...cells.values()] };
        }),
      };
    },
  );

  app.get(
    '/runs/:id/logs',
    {
      schema: {
        tags,
        summary:
          "A run's log lines, oldest first: its log files in the state folder, else (another host) the warnings and errors kept in ops.task_log",
        params: json(IdParams),
        querystring: json(
          z.object({
            task: z.string().max(100).optional(),
            level: z.enum(LEVEL_NAMES).default('info'),
          }),
        ),
        response: { 200: json(z.object({ items: z.array(LogLine) }), 'output') },
      },
    },
    async (request) => {
      const { id } = request.params as IdParams;
      const { task, level } = request.query as { task?: string; level: (typeof LEVEL_NAMES)[number] };
      const run = await db
        .selectFrom('ops.pipeline_run')
        .select('run_id')
        .where('run_id', '=', id)
        .executeTakeFirst();
      if (!run) throw notFound(`Run ${id} not found`);
      const records = await readLogs(app.settings, { run: id, task, level });
      const kept =
        records.length > 0
          ? records
          : (
              await db
                .selectFrom('ops.task_log')
                .select('record')
                .where('run_id', '=', id)
                .where('level', 'in', LEVEL_NAMES.slice(LEVEL_NAMES.indexOf(level)))
                .$if(task !== undefined, (q) => q.where('task_name', '=', task!))
                .orderBy('task_log_id')
                .execute()
            ).map((row) => (typeof row.record === 'string' ? JSON.parse(row.record) : row.record));
      return {
        items: kept.map((r: Record<string, unknown>) => ({
          time: new Date(Number(r.time)).toISOString(),
          level: pino.levels.labels[Number(r.level)] ?? String(r.level),
          task: typeof r.task === 'string' ? r.task : null,
          msg: String(r.msg ?? ''),
          err: r.err === undefined ? null : typeof r.err === 'string' ? r.err : JSON.stringify(r.err),
        })),
      };
    },
  );

  app.get(
    '/runs/:id',
    {
      schema: {
        tags,
        summary: 'One run: every task attempt with times, rows and error; its checks; its alerts',
        params: json(IdParams),
        response: {
          200: json(
            Run.extend({ attempts: z.array(Attempt), checks: z.array(Check), alerts: z.array(Alert) }),
            'output',
          ),
        },
      },
    },
    async (request) => {
      const { id } = request.params as IdParams;
      const run = await db
        .selectFrom('ops.pipeline_run')
        .selectAll()
        .where('run_id', '=', id)
        .executeTakeFirst();
      if (!run) throw notFound(`Run ${id} not found`);
      const [attempts, checks, alerts, alertAttempts] = await Promise.all([
        db
          .selectFrom('ops.task_run')
          .selectAll()
          .where('run_id', '=', id)
          .orderBy('started_at')
          .orderBy('task_run_id')
          .execute(),
        db.selectFrom('ops.check_result').selectAll().where('run_id', '=', id).execute(),
        db.selectFrom('ops.alert').selectAll().where('run_id', '=', id).orderBy('alert_id').execute(),
        db
          .selectFrom('ops.alert_attempt')
          .selectAll()
          .where('alert_id', 'in', (eb) =>
            eb.selectFrom('ops.alert').select('alert_id').where('run_id', '=', id),
          )
          .orderBy('attempt')
          .execute(),
      ]);
      return {
        ...runView(run),
        attempts: attempts.map((a) => ({
          task: a.task_name,
          attempt: a.attempt,
          status: a.status,
          startedAt: a.started_at.toISOString(),
          endedAt: iso(a.ended_at),
          rows: a.rows === null ? null : Number(a.rows),
          error: a.error,
        })),
        checks: checks
          .map(checkView)
          .sort(
            (x, y) =>
              (STATUS_ORDER[x.status] ?? 3) - (STATUS_ORDER[y.status] ?? 3) ||
              x.check.localeCompare(y.check) ||
              x.entity.localeCompare(y.entity),
          ),
        alerts: alerts.map((alert) => ({
          alertId: alert.alert_id,
          status: alert.status,
          createdAt: alert.created_at.toISOString(),
          sentAt: iso(alert.sent_at),
          text: alertText(alert.payload),
          attempts: alertAttempts
            .filter((t) => t.alert_id === alert.alert_id)
            .map((t) => ({
              attempt: t.attempt,
              attemptedAt: t.attempted_at.toISOString(),
              httpStatus: t.http_status,
              error: t.error,
              durationMs: Number(t.duration_ms),
            })),
        })),
      };
    },
  );

  app.get(
    '/checks',
    {
      schema: {
        tags,
        summary: "A check's history: its result on each run, newest first",
        querystring: json(
          z.object({
            name: z.string().min(1).max(200),
            entity: z.string().max(200).optional(),
            limit: Limit(200, 30),
          }),
        ),
        response: { 200: json(z.object({ items: z.array(Check) }), 'output') },
      },
    },
    async (request) => {
      const q = request.query as { name: string; entity?: string; limit: number };
      let query = db.selectFrom('ops.check_result').selectAll().where('check_name', '=', q.name);
      if (q.entity) query = query.where('entity', '=', q.entity);
      const rows = await query.orderBy('check_result_id', 'desc').limit(q.limit).execute();
      return { items: rows.map(checkView) };
    },
  );

  app.get(
    '/freshness',
    {
      schema: {
        tags,
        summary: 'Latest holding date in the source and in the warehouse, and the last succeeded run',
        response: { 200: json(Freshness, 'output') },
      },
    },
    async () => {
      const row = await db.selectFrom('ops.data_freshness').selectAll().executeTakeFirst();
      return {
        sourceLatest: row?.source_latest ?? null,
        warehouseLatest: row?.warehouse_latest ?? null,
        lastSucceededRunDate: row?.last_succeeded_run_date ?? null,
        status: row?.freshness_status ?? null,
        checkedAt: iso(row?.checked_at ?? null),
      };
    },
  );
}

function runView(run: {
  run_id: number;
  run_date: string;
  executor: string;
  status: string;
  started_at: Date;
  ended_at: Date | null;
  error: string | null;
}) {
  return {
    runId: run.run_id,
    runDate: run.run_date,
    executor: run.executor,
    status: run.status,
    startedAt: run.started_at.toISOString(),
    endedAt: iso(run.ended_at),
    error: run.error,
  };
}

function checkView(c: {
  check_name: string;
  entity: string;
  severity: string;
  status: string;
  expected: number | null;
  actual: number | null;
  run_date: string;
  run_id: number | null;
}) {
  return {
    check: c.check_name,
    entity: c.entity,
    severity: c.severity,
    status: c.status,
    expected: c.expected === null ? null : Number(c.expected),
    actual: c.actual === null ? null : Number(c.actual),
    runDate: c.run_date,
    runId: c.run_id,
  };
}

function alertText(payload: unknown): string | null {
  const text = (payload as { text?: unknown } | null)?.text;
  return typeof text === 'string' ? text : null;
}
