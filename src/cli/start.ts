import type { Command } from 'commander';
import { resolveJwtSecret } from '../api/jwt-secret.ts';
import { parseRunDate, todayUtc } from '../common/dates.ts';
import { cliContext } from './context.ts';
import { printRunSummary, runDailyPipeline, runExitCode } from './run.ts';
import { parsePort, serveUntilSignal } from './serve.ts';

/** What `npm start` runs: today's daily pipeline, then the API and dashboard over its results. */
export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description(
      'Run the daily pipeline for today, then serve the API and dashboard until Ctrl-C (`npm start`)',
    )
    .option('--date <YYYY-MM-DD>', 'run date', todayUtc())
    .option('--port <port>', 'API port (default: PORT, else 3000; 0 = any free port)')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--no-serve', 'stop after the pipeline')
    .action(
      async (options: { date: string; port?: string; host: string; serve: boolean }, command: Command) => {
        const runDate = parseRunDate(options.date);
        const context = cliContext(command);
        const { log } = context;
        // A missing JWT_SECRET stops the command before the pipeline runs, not after.
        const settings = options.serve
          ? { ...context.settings, jwtSecret: resolveJwtSecret(context.settings, log) }
          : context.settings;
        const port = parsePort(options.port, settings);
        const summary = await runDailyPipeline(settings, log, runDate);
        printRunSummary(summary);
        process.exitCode = runExitCode(summary);
        // A failed run still leaves yesterday's data worth browsing; a cancelled one means "stop".
        if (options.serve && summary.status !== 'cancelled') {
          await serveUntilSignal(settings, log, { host: options.host, port });
        }
      },
    );
}
