import type { Command } from 'commander';
import { parseRunDate, todayUtc } from '../common/dates.ts';
import type { Logger } from '../common/logger.ts';
import { InUseError } from '../common/process-lock.ts';
import { loadSettings, type Settings } from '../config/settings.ts';
import type { SourceDatabase } from '../oltp/database.ts';
import { migrate } from '../oltp/migrate.ts';
import { requestRun } from '../orchestrator/control.ts';
import { type ExecutorName, executorFor, parseExecutor } from '../orchestrator/execute.ts';
import { dailyGraph } from '../orchestrator/pipeline.ts';
import { partialReason, type RunSummary, runGraphUntilSignal } from '../orchestrator/runner.ts';
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
      const summary = await runDailyPipeline(settings, log, runDate, executor).catch(async (error) => {
        // The embedded database is held by a server: it runs the date for us.
        const holder = error instanceof InUseError ? error.holder : undefined;
        const delegated = holder && (await requestRun(settings, holder, runDate, options.mode));
        if (!delegated) throw error;
        return delegated;
      });
      printRunSummary(summary);
      process.exitCode = runExitCode(summary);
    });
}

/** Migrates, then runs the daily graph for a date with alerts on; Ctrl-C cancels it cleanly. */
export function runDailyPipeline(
  settings: Settings,
  log: Logger,
  runDate: string,
  executor: ExecutorName = 'in-process',
): Promise<RunSummary> {
  return withDatabase(settings, async (database) => {
    // The run history lives in the database, so its schema must exist before the run starts.
    await migrate(database, { log });
    const run = dailyRun(settings, database, log, runDate);
    return executor === 'in-process' ? runGraphUntilSignal(run) : executorFor(executor)(run);
  });
}

/** The daily graph's run of a date on an open (migrated) database, with alerts on. */
export function dailyRun(settings: Settings, database: SourceDatabase, log: Logger, runDate: string) {
  return {
    graph: dailyGraph(),
    runDate,
    settings,
    database,
    log,
    hooks: alertHooks(settings, database, log),
  };
}

/** Exit code of a finished run: 0, 1 when it failed (or was abandoned), 3 when partial, 130 when cancelled. */
export function runExitCode(summary: Pick<RunSummary, 'status'>): number {
  return { succeeded: 0, failed: 1, abandoned: 1, partial: 3, cancelled: 130 }[summary.status];
}

export function printRunSummary(summary: RunSummary): void {
  console.log(
    `Run ${summary.runId} for ${summary.runDate}: ${summary.status} in ${(summary.durationMs / 1000).toFixed(1)} s`,
  );
  const partial = partialReason(summary.tasks);
  if (summary.status === 'partial' && partial) console.log(partial);
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
