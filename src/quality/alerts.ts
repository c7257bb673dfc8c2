import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { errorMessage } from '../common/errors.ts';
import type { Logger } from '../common/logger.ts';
import type { Settings } from '../config/settings.ts';
import type { SourceDatabase } from '../oltp/database.ts';
import type { RunEnd, RunHooks, TaskFailure } from '../orchestrator/attempt.ts';
import { backoffDelay } from '../orchestrator/runner.ts';

/** A failed check as an alert shows it. */
export interface FailedCheck {
  check: string;
  entity: string;
  expected: number | null;
  actual: number | null;
  details?: unknown;
}

/** One failure of one run: a task that used up its attempts, or `error` checks that failed. */
export interface Alert {
  runId: number;
  runDate: string;
  /** Identifies the failure within the run: the same key is announced once. */
  dedupKey: string;
  title: string;
  task?: { name: string; attempts: number; error: string };
  checks?: FailedCheck[];
  /** Why a run ended 'partial' (what its pull is missing). */
  partial?: string;
}

/** Slack incoming-webhook payload: `text` for notifications, `blocks` for the message body. */
export function alertPayload(alert: Alert, dashboardUrl?: string) {
  const lines: string[] = [];
  if (alert.task) {
    lines.push(
      `*Task* \`${alert.task.name}\` failed after ${alert.task.attempts} attempt(s): ${alert.task.error}`,
    );
  }
  if (alert.partial) lines.push(`*Partial* ${alert.partial}`);
  for (const check of alert.checks ?? []) {
    lines.push(
      `*Check* \`${check.check}\` on \`${check.entity}\`: expected ${check.expected ?? 'n/a'}, actual ${check.actual ?? 'n/a'}`,
    );
  }
  const text = `Gourmand run ${alert.runId} for ${alert.runDate}: ${alert.title}`;
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: `Gourmand: ${alert.title}` } },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Run*\n${alert.runId}` },
        { type: 'mrkdwn', text: `*Date*\n${alert.runDate}` },
      ],
    },
    { type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') || alert.title } },
  ];
  if (dashboardUrl) {
    const link = new URL(dashboardUrl);
    link.searchParams.set('run', String(alert.runId));
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `<${link.href}|Open the dashboard>` }],
    });
  }
  return { text, blocks };
}

export type DeliveryOutcome = 'sent' | 'failed' | 'duplicate';

const REQUEST_TIMEOUT_MS = 10_000;

/**
 * Posts alerts to a Slack-compatible webhook. Each (run, failure) is claimed once in ops.alert,
 * so two processes noticing the same failure send one message; every delivery attempt is logged
 * in ops.alert_attempt. Never throws: a broken webhook must not fail the pipeline.
 */
export class WebhookNotifier {
  constructor(
    private readonly options: {
      url: string;
      database: SourceDatabase;
      log: Logger;
      attempts: number;
      backoffMs: number;
      dashboardUrl?: string;
    },
  ) {}

  async notify(alert: Alert): Promise<DeliveryOutcome> {
    const { database, log } = this.options;
    try {
      const payload = alertPayload(alert, this.options.dashboardUrl);
      const claimed = await database.db
        .insertInto('ops.alert')
        .values({
          run_id: alert.runId,
          run_date: alert.runDate,
          dedup_key: alert.dedupKey,
          status: 'sending',
          payload: JSON.stringify(payload),
        })
        .onConflict((oc) => oc.columns(['run_id', 'dedup_key']).doNothing())
        .returning('alert_id')
        .executeTakeFirst();
      if (!claimed) {
        log.info({ runId: alert.runId, key: alert.dedupKey }, 'alert already sent for this failure');
        return 'duplicate';
      }
      const status = await this.deliver(claimed.alert_id, payload);
      await database.db
        .updateTable('ops.alert')
        .set({ status, sent_at: status === 'sent' ? new Date() : null })
        .where('alert_id', '=', claimed.alert_id)
        .execute();
      return status;
    } catch (error) {
      log.error({ err: errorMessage(error) }, 'could not record or send an alert (ignored)');
      return 'failed';
    }
  }

  private async deliver(alertId: number, payload: unknown): Promise<'sent' | 'failed'> {
    const { url, database, log, attempts, backoffMs } = this.options;
    const body = JSON.stringify(payload);
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const started = Date.now();
      let httpStatus: number | null = null;
      let error: string | null = null;
      try {
        const response = await request(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          headersTimeout: REQUEST_TIMEOUT_MS,
          bodyTimeout: REQUEST_TIMEOUT_MS,
        });
        httpStatus = response.statusCode;
        const answer = await response.body.text();
        if (httpStatus < 200 || httpStatus >= 300) error = `HTTP ${httpStatus}: ${answer.slice(0, 200)}`;
      } catch (caught) {
        error = errorMessage(caught);
      }
      await database.db
        .insertInto('ops.alert_attempt')
        .values({
          alert_id: alertId,
          attempt,
          http_status: httpStatus,
          error,
          duration_ms: Date.now() - started,
        })
        .execute();
      if (!error) return 'sent';
      if (attempt < attempts) {
        const delay = backoffDelay(backoffMs, attempt);
        log.warn({ alertId, attempt, err: error, retryInMs: delay }, 'alert delivery failed; retrying');
        await sleep(delay);
      } else {
        log.error({ alertId, attempts, err: error }, 'alert could not be delivered; see ops.alert_attempt');
      }
    }
    return 'failed';
  }
}

/** The failed `error` checks of a run (warn-severity failures are recorded as 'warn', not alerted). */
export async function failedErrorChecks(database: SourceDatabase, runId: number): Promise<FailedCheck[]> {
  const rows = await database.db
    .selectFrom('ops.check_result')
    .select(['check_name', 'entity', 'expected', 'actual', 'details'])
    .where('run_id', '=', runId)
    .where('status', '=', 'fail')
    .orderBy('check_result_id')
    .execute();
  return rows.map((row) => ({
    check: row.check_name,
    entity: row.entity,
    expected: row.expected,
    actual: row.actual,
    details: row.details,
  }));
}

/**
 * Run hooks that alert: a task that failed its last attempt, and (when the run ends) a partial
 * run and the run's failed `error` checks. No webhook configured = no hooks. `taskFailures: false` leaves task
 * failures to an outer scheduler that retries (Airflow's failure callback).
 */
export function alertHooks(
  settings: Settings,
  database: SourceDatabase,
  log: Logger,
  options: { taskFailures?: boolean } = {},
): RunHooks | undefined {
  if (!settings.alertWebhookUrl) return undefined;
  const notifier = new WebhookNotifier({
    url: settings.alertWebhookUrl,
    database,
    log,
    attempts: settings.alertAttempts,
    backoffMs: settings.alertBackoffMs,
    dashboardUrl: settings.dashboardUrl,
  });
  const hooks: RunHooks = {
    async runFinished(end: RunEnd) {
      if (end.status === 'partial') {
        await notifier.notify({
          runId: end.runId,
          runDate: end.runDate,
          dedupKey: 'partial',
          title: 'run ended partial',
          partial: end.partial ?? 'partial',
        });
      }
      const checks = await failedErrorChecks(database, end.runId);
      if (checks.length === 0) return;
      await notifier.notify({
        runId: end.runId,
        runDate: end.runDate,
        dedupKey: 'checks',
        title: `${checks.length} error check(s) failed`,
        checks,
      });
    },
  };
  if (options.taskFailures !== false) {
    hooks.taskFailed = async (failure: TaskFailure) => {
      await notifier.notify({
        runId: failure.runId,
        runDate: failure.runDate,
        dedupKey: `task:${failure.task}`,
        title: `task ${failure.task} failed`,
        task: { name: failure.task, attempts: failure.attempts, error: failure.error },
      });
    };
  }
  return hooks;
}
