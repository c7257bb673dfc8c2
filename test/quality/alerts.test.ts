import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/common/logger.ts';
import type { Task } from '../../src/orchestrator/graph.ts';
import { runGraph } from '../../src/orchestrator/runner.ts';
import { alertHooks, WebhookNotifier } from '../../src/quality/alerts.ts';
import { recordCheckResults } from '../../src/quality/check-log.ts';
import { pipelineMetrics } from '../../src/quality/metrics.ts';
import { statusReport } from '../../src/quality/status.ts';
import { createTestDatabase, databaseBackends, type TestDatabase } from '../support/database.ts';
import { testSettings } from '../support/settings.ts';
import { startReceiver, unreachableUrl } from './webhook-receiver.ts';

const alertEnv = (url: string) => ({
  ALERT_WEBHOOK_URL: url,
  ALERT_BACKOFF_MS: '5',
  DASHBOARD_URL: 'http://dashboard.test/ops',
});

/** A task that records a failed `error` check and one passing check, then succeeds. */
const checkingTask: Task = {
  name: 'reconcile',
  dependsOn: [],
  async run(ctx) {
    await recordCheckResults(ctx.database, ctx, [
      {
        check: 'row_count',
        entity: 'business',
        severity: 'error',
        status: 'fail',
        expected: 120,
        actual: 119,
      },
      { check: 'row_count', entity: 'county', severity: 'error', status: 'pass', expected: 5, actual: 5 },
      {
        check: 'sum_review_count',
        entity: 'state',
        severity: 'warn',
        status: 'warn',
        expected: 9,
        actual: 8,
      },
    ]);
    return { rows: 3 };
  },
};

const alertRows = (database: TestDatabase) =>
  database.db
    .selectFrom('ops.alert')
    .innerJoin('ops.alert_attempt', 'ops.alert_attempt.alert_id', 'ops.alert.alert_id')
    .select(['ops.alert.dedup_key', 'ops.alert.status', 'attempt', 'http_status', 'error'])
    .orderBy('ops.alert.alert_id')
    .orderBy('attempt')
    .execute();

describe.each(databaseBackends)('alerts on %s', (backend) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(backend);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('alerts once with the failed error checks, expected and actual, and a dashboard link', async () => {
    const receiver = await startReceiver();
    try {
      const settings = testSettings(alertEnv(receiver.url));
      const hooks = alertHooks(settings, database, silentLogger);
      const summary = await runGraph({
        graph: [checkingTask],
        runDate: '2026-03-01',
        settings,
        database,
        log: silentLogger,
        hooks,
      });
      expect(summary.status).toBe('succeeded');
      const [alert, ...more] = receiver.delivered();
      expect(more).toEqual([]);
      expect(alert!.text).toBe(`Gourmand run ${summary.runId} for 2026-03-01: 1 error check(s) failed`);
      const body = JSON.stringify(alert!.blocks);
      expect(body).toContain('*Check* `row_count` on `business`: expected 120, actual 119');
      expect(body).not.toContain('county');
      expect(body).not.toContain('sum_review_count');
      expect(body).toContain(`http://dashboard.test/ops?run=${summary.runId}|Open the dashboard`);
    } finally {
      await receiver.close();
    }
  });

  it('alerts when a task fails its last retry, not on earlier attempts', async () => {
    const receiver = await startReceiver();
    try {
      const settings = testSettings(alertEnv(receiver.url));
      let calls = 0;
      const flaky: Task = {
        name: 'load_yelp',
        dependsOn: [],
        attempts: 3,
        async run() {
          calls++;
          throw new Error(`quota exceeded (call ${calls})`);
        },
      };
      const hooks = alertHooks(settings, database, silentLogger);
      const summary = await runGraph({
        graph: [flaky],
        runDate: '2026-03-02',
        settings,
        database,
        log: silentLogger,
        hooks,
      });
      expect(summary.status).toBe('failed');
      expect(receiver.requests).toHaveLength(1);
      expect(receiver.requests[0]!.body.text).toBe(
        `Gourmand run ${summary.runId} for 2026-03-02: task load_yelp failed`,
      );
      expect(JSON.stringify(receiver.requests[0]!.body.blocks)).toContain(
        '*Task* `load_yelp` failed after 3 attempt(s): quota exceeded (call 3)',
      );
    } finally {
      await receiver.close();
    }
  });

  it('alerts once when a run ends partial, with what its pull is missing; /metrics and status show the coverage', async () => {
    const receiver = await startReceiver();
    try {
      const settings = testSettings(alertEnv(receiver.url));
      const pull: Task = {
        name: 'extract_yelp',
        dependsOn: [],
        async run() {
          return { rows: 1, partial: '40 of 87 counties pulled since 2026-03-03; 47 not yet pulled' };
        },
      };
      const summary = await runGraph({
        graph: [pull],
        runDate: '2026-03-03',
        settings,
        database,
        log: silentLogger,
        hooks: alertHooks(settings, database, silentLogger),
      });
      expect(summary.status).toBe('partial');
      expect(receiver.requests).toHaveLength(1);
      expect(receiver.requests[0]!.body.text).toBe(
        `Gourmand run ${summary.runId} for 2026-03-03: run ended partial`,
      );
      expect(JSON.stringify(receiver.requests[0]!.body.blocks)).toContain(
        '*Partial* partial: extract_yelp: 40 of 87 counties pulled since 2026-03-03; 47 not yet pulled',
      );
      // The ledger as a real pull leaves it: 2 counties pulled in the pass, one failed on its latest date.
      await database.db
        .insertInto('ops.coverage_pass')
        .values({ source: 'yelp', pass_started: '2026-03-03', start_after: null })
        .execute();
      await database.db
        .insertInto('ops.coverage')
        .values([
          {
            source: 'yelp',
            run_date: '2026-03-03',
            county_fips: '11001',
            status: 'pulled',
            mode: 'full',
            reason: null,
          },
          {
            source: 'yelp',
            run_date: '2026-03-03',
            county_fips: '10001',
            status: 'failed',
            mode: 'full',
            reason: 'HTTP 400 LOCATION_NOT_FOUND',
          },
          {
            source: 'yelp',
            run_date: '2026-03-02',
            county_fips: '10003',
            status: 'pulled',
            mode: 'full',
            reason: null,
          },
        ])
        .execute();
      const metrics = await pipelineMetrics(database).metrics();
      expect(metrics).toContain('gourmand_coverage_counties{source="yelp",state="pulled"} 1');
      expect(metrics).toContain('gourmand_coverage_counties{source="yelp",state="failed"} 1');
      expect(metrics).toContain('gourmand_pipeline_runs{status="partial"} 1');
      const report = await statusReport(database);
      expect(report.coverage).toEqual([
        expect.objectContaining({
          source: 'yelp',
          pass_started: '2026-03-03',
          pulled: 1,
          failed: 1,
          oldest_pull: '2026-03-02',
        }),
      ]);
      expect(report.runs[0]).toMatchObject({
        status: 'partial',
        error: expect.stringContaining('47 not yet pulled'),
      });
    } finally {
      await receiver.close();
    }
  });

  it('retries a receiver that answers 500 twice, delivers exactly one alert and dedupes the failure', async () => {
    const receiver = await startReceiver([500, 500]);
    try {
      const settings = testSettings(alertEnv(receiver.url));
      const summary = await runGraph({
        graph: [checkingTask],
        runDate: '2026-03-03',
        settings,
        database,
        log: silentLogger,
        hooks: alertHooks(settings, database, silentLogger),
      });
      expect(receiver.requests.map((r) => r.status)).toEqual([500, 500, 200]);
      expect(receiver.delivered()).toHaveLength(1);
      // The same failure of the same run, noticed again (another worker, a re-run hook): not re-sent.
      const notifier = new WebhookNotifier({
        url: receiver.url,
        database,
        log: silentLogger,
        attempts: 3,
        backoffMs: 1,
      });
      const again = await notifier.notify({
        runId: summary.runId,
        runDate: '2026-03-03',
        dedupKey: 'checks',
        title: 'x',
      });
      expect(again).toBe('duplicate');
      expect(receiver.requests).toHaveLength(3);
      const rows = (await alertRows(database)).filter((r) => r.dedup_key === 'checks').slice(-3);
      expect(rows.map((r) => [r.status, r.attempt, r.http_status])).toEqual([
        ['sent', 1, 500],
        ['sent', 2, 500],
        ['sent', 3, 200],
      ]);
    } finally {
      await receiver.close();
    }
  });

  it('leaves the run green when the webhook is unreachable, with every failed attempt logged', async () => {
    const settings = testSettings({ ...alertEnv(await unreachableUrl()), ALERT_ATTEMPTS: '3' });
    const summary = await runGraph({
      graph: [checkingTask],
      runDate: '2026-03-04',
      settings,
      database,
      log: silentLogger,
      hooks: alertHooks(settings, database, silentLogger),
    });
    expect(summary.status).toBe('succeeded');
    const run = await database.db
      .selectFrom('ops.pipeline_run')
      .select('status')
      .where('run_id', '=', summary.runId)
      .executeTakeFirstOrThrow();
    expect(run.status).toBe('succeeded');
    const alert = await database.db
      .selectFrom('ops.alert')
      .select(['alert_id', 'status'])
      .where('run_id', '=', summary.runId)
      .executeTakeFirstOrThrow();
    expect(alert.status).toBe('failed');
    const attempts = await database.db
      .selectFrom('ops.alert_attempt')
      .selectAll()
      .where('alert_id', '=', alert.alert_id)
      .orderBy('attempt')
      .execute();
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
    for (const attempt of attempts) {
      expect(attempt.http_status).toBeNull();
      expect(attempt.error).toMatch(/ECONNREFUSED|connect/i);
    }
  });

  it('sends nothing when no webhook is configured', () => {
    expect(alertHooks(testSettings(), database, silentLogger)).toBeUndefined();
  });
});
