import type { Command } from 'commander';
import { parseRunDate, todayUtc } from '../common/dates.ts';
import { loadSettings } from '../config/settings.ts';
import { migrate } from '../oltp/migrate.ts';
import { executorFor, parseExecutor } from '../orchestrator/execute.ts';
import { dailyGraph } from '../orchestrator/pipeline.ts';
import { type RunSummary, runGraphUntilSignal } from '../orchestrator/runner.ts';
import { alertHooks } from '../quality/alerts.ts';
import { cliContext, printTable, withDatabase } from './context.ts';

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('Run the daily pipeline for a date (in-process, or on BullMQ workers)')
    .option('--date <YYYY-MM-DD>', 'run date', todayUtc())
    .option(
      '--executor <name>',
      'in-process, or bullmq (submit to `gourmand worker`s and follow)',
      'in-process',
    )
    .option('--mode <mode>', 'Yelp pull: auto, full, daily or test (overrides EXTRACT_MODE)')
    .action(async (options: { date: string; executor: string; mode?: string }, command: Command) => {
      const runDate = parseRunDate(options.date);
      const executor = parseExecutor(options.executor);
      const { settings: configured, log } = cliContext(command);
      const settings = options.mode ? loadSettings({ overrides: { extractMode: options.mode } }) : configured;
      const summary = await withDatabase(settings, async (database) => {
        // The run history lives in the database, so its schema must exist before the run starts.
        await migrate(database, { log });
        const hooks = alertHooks(settings, database, log);
        const run = { graph: dailyGraph(), runDate, settings, database, log, hooks };
        return executor === 'in-process' ? runGraphUntilSignal(run) : executorFor(executor)(run);
      });
      printRunSummary(summary);
      if (summary.status === 'cancelled') process.exitCode = 130;
      else if (summary.status === 'failed') process.exitCode = 1;
    });
}

export function printRunSummary(summary: RunSummary): void {
  console.log(
    `Run ${summary.runId} for ${summary.runDate}: ${summary.status} in ${(summary.durationMs / 1000).toFixed(1)} s`,
  );
  printTable(
    Object.entries(summary.tasks).map(([task, t]) => ({
      task,
      status: t.status,
      attempts: t.attempts,
      rows: t.rows,
      seconds: (t.durationMs / 1000).toFixed(1),
      details: t.details
        ? Object.entries(t.details)
            .map(([k, v]) => `${k}=${v}`)
            .join(' ')
        : (t.error ?? ''),
    })),
  );
}
