import type { Command } from 'commander';
import { openApiDatabase } from '../api/database.ts';
import { resolveJwtSecret } from '../api/jwt-secret.ts';
import { parseRunDate, todayUtc } from '../common/dates.ts';
import { openDatabase } from '../oltp/database.ts';
import { migrate } from '../oltp/migrate.ts';
import { runGraphUntilSignal } from '../orchestrator/runner.ts';
import { cliContext } from './context.ts';
import { dailyRun, printRunSummary, runExitCode } from './run.ts';
import { assertPortFree, parsePort, serveUntilSignal } from './serve.ts';

/**
 * What `npm start` runs: today's daily pipeline, then the API and dashboard over its results, and
 * the daily pipeline again at every SCHEDULE_CRON firing, all in this one process (the embedded
 * database has one holder).
 */
export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description(
      'Run the daily pipeline for today, then serve the API and dashboard and run the pipeline at SCHEDULE_CRON until Ctrl-C (`npm start`)',
    )
    .option('--date <YYYY-MM-DD>', 'run date', todayUtc())
    .option('--port <port>', 'API port (default: PORT, else 3000; 0 = any free port)')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--no-serve', 'stop after the pipeline')
    .option('--no-schedule', 'serve only; no daily runs at SCHEDULE_CRON')
    .action(
      async (
        options: { date: string; port?: string; host: string; serve: boolean; schedule: boolean },
        command: Command,
      ) => {
        const runDate = parseRunDate(options.date);
        const context = cliContext(command);
        const { log } = context;
        // A missing JWT_SECRET stops the command before the pipeline runs, not after.
        const settings = options.serve
          ? { ...context.settings, jwtSecret: resolveJwtSecret(context.settings, log) }
          : context.settings;
        const port = parsePort(options.port, settings);
        // Likewise a port another process holds.
        if (options.serve) await assertPortFree(options.host, port);
        const database = await openApiDatabase(settings);
        try {
          await migrate(database, { log });
          // The API's pool on PostgreSQL has a statement timeout; the embedded database is one handle.
          const pipelineDb = database.kind === 'pglite' ? database : await openDatabase(settings);
          try {
            const summary = await runGraphUntilSignal(dailyRun(settings, pipelineDb, log, runDate));
            printRunSummary(summary);
            process.exitCode = runExitCode(summary);
            // A failed run still leaves yesterday's data worth browsing; a cancelled one means "stop".
            if (!options.serve || summary.status === 'cancelled') return;
          } finally {
            if (pipelineDb !== database) await pipelineDb.close();
          }
          await serveUntilSignal(
            settings,
            log,
            { host: options.host, port },
            { database, schedule: options.schedule },
          );
        } finally {
          await database.close();
        }
      },
    );
}
