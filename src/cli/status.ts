import type { Command } from 'commander';
import { ConfigError } from '../common/errors.ts';
import { migrate } from '../oltp/migrate.ts';
import { reapAbandonedRuns } from '../orchestrator/liveness.ts';
import { statusReport } from '../quality/status.ts';
import { cliContext, printTable, withDatabase } from './context.ts';

const seconds = (value: number | null | undefined) =>
  value === null || value === undefined ? '' : value.toFixed(1);

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('The last pipeline runs, the checks failing now, data freshness and task timings')
    .option('--runs <n>', 'how many runs to list', '10')
    .option('--json', 'print JSON')
    .action(async (options: { runs: string; json?: boolean }, command: Command) => {
      const runs = Number(options.runs);
      if (!Number.isInteger(runs) || runs < 1) {
        throw new ConfigError(`Invalid --runs "${options.runs}": expected a positive whole number`);
      }
      const { settings, log } = cliContext(command);
      const report = await withDatabase(settings, async (database) => {
        await migrate(database, { log });
        // A run whose process died shows as abandoned, not running.
        await reapAbandonedRuns(database.db);
        return statusReport(database, { runs });
      });
      if (options.json) {
        console.log(JSON.stringify(report, null, 2));
        return;
      }
      console.log('Last runs');
      printTable(
        report.runs.map((r) => ({
          run: r.run_id,
          date: r.run_date,
          executor: r.executor,
          status: r.status,
          started: r.started_at.toISOString().slice(0, 19).replace('T', ' '),
          seconds: seconds(r.seconds),
          ok: r.tasks_ok,
          failed: r.tasks_failed,
          skipped: r.tasks_skipped,
          error: r.error ?? '',
        })),
      );
      console.log('\nCoverage (counties of the current pull pass)');
      printTable(
        report.coverage.map((c) => ({
          source: c.source,
          pass_started: c.pass_started,
          pulled: c.pulled,
          failed_latest: c.failed,
          not_yet_pulled: c.not_yet_pulled,
          oldest_pull: c.oldest_pull ?? '',
        })),
      );
      const checkRun = report.failingChecks[0]?.run_id;
      console.log(
        `\nFailing checks${checkRun ? ` (run ${checkRun}, ${report.failingChecks[0]!.run_date})` : ''}`,
      );
      printTable(
        report.failingChecks.map((c) => ({
          check: c.check,
          entity: c.entity,
          severity: c.severity,
          status: c.status,
          expected: c.expected,
          actual: c.actual,
        })),
      );
      const f = report.freshness;
      console.log('\nFreshness');
      printTable([
        {
          source_latest: f?.source_latest ?? '',
          warehouse_latest: f?.warehouse_latest ?? '',
          last_succeeded_run: f?.last_succeeded_run_date ?? '',
          freshness_check: f?.freshness_status ?? '',
        },
      ]);
      console.log('\nTask durations (last 30 succeeded runs)');
      printTable(
        report.taskDurations.map((t) => ({
          task: t.task_name,
          runs: t.runs,
          p50_s: seconds(t.p50_seconds),
          p95_s: seconds(t.p95_seconds),
          avg_rows: t.avg_rows === null ? '' : Math.round(t.avg_rows),
        })),
      );
    });
}
