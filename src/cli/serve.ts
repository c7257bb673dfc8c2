import { createServer } from 'node:net';
import type { Command } from 'commander';
import { openApiDatabase } from '../api/database.ts';
import { resolveJwtSecret } from '../api/jwt-secret.ts';
import { startServer } from '../api/server.ts';
import { ConfigError } from '../common/errors.ts';
import type { Logger } from '../common/logger.ts';
import type { Settings } from '../config/settings.ts';
import { loadSettings } from '../config/settings.ts';
import { openDatabase, type SourceDatabase } from '../oltp/database.ts';
import { migrate } from '../oltp/migrate.ts';
import { oneAtATime, startControl } from '../orchestrator/control.ts';
import { type RunSummary, runGraph } from '../orchestrator/runner.ts';
import { Scheduler } from '../orchestrator/scheduler.ts';
import { liveSources } from '../sources/endpoints.ts';
import { cliContext } from './context.ts';
import { dailyRun } from './run.ts';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('Serve the REST API (docs at /docs); migrates the database first')
    .option('--port <port>', 'port to listen on (default: PORT, else 3000; 0 = any free port)')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .action(async (options: { port?: string; host: string }, command: Command) => {
      const { settings, log } = cliContext(command);
      const listen = { host: options.host, port: parsePort(options.port, settings) };
      // Before opening and migrating the database: a port in use is said at once.
      await assertPortFree(listen.host, listen.port);
      await serveUntilSignal(settings, log, listen);
    });
}

/** `--port` when given (validated), else the PORT setting. */
export function parsePort(value: string | undefined, settings: Settings): number {
  if (value === undefined) return settings.port;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new ConfigError(`Invalid --port "${value}": expected a port number from 0 to 65535`);
  }
  return port;
}

/**
 * Fails (EADDRINUSE, told in one line by the CLI) when another process holds the port: `serve`
 * checks before opening the database, `start` before its pipeline run. Port 0 is always free.
 */
export async function assertPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(port, host, () => resolve());
  });
  await new Promise<void>((resolve) => probe.close(() => resolve()));
}

/** What a server process does besides serving. */
export interface ServeOptions {
  /** An open, migrated database to serve; the caller closes it. Default: opened (and closed) here. */
  database?: SourceDatabase;
  /** Also run the daily pipeline at SCHEDULE_CRON in this process (`gourmand start`). */
  schedule?: boolean;
}

/**
 * Serves the API and web app until SIGINT/SIGTERM, then finishes the requests in flight. On the
 * embedded database this process is its only holder, so it also runs pipeline dates itself: asked
 * by another process's `gourmand run` (control endpoint), and at SCHEDULE_CRON with `schedule`.
 */
export async function serveUntilSignal(
  settings: Settings,
  log: Logger,
  listen: { host: string; port: number },
  options: ServeOptions = {},
): Promise<void> {
  settings = { ...settings, jwtSecret: resolveJwtSecret(settings, log) };
  const database = options.database ?? (await openApiDatabase(settings));
  // The API's pool on PostgreSQL has a statement timeout: the pipeline gets its own.
  let pipelineDb: SourceDatabase | undefined;
  const stop = new AbortController();
  try {
    await migrate(database, { log });
    const server = await startServer({ settings, database, log, ...listen });
    const runner = oneAtATime(async (date, mode) => {
      pipelineDb ??= database.kind === 'pglite' ? database : await openDatabase(settings);
      const runSettings = mode ? loadSettings({ overrides: { extractMode: mode } }) : settings;
      return runGraph({ ...dailyRun(runSettings, pipelineDb, log, date), signal: stop.signal });
    });
    const control = database.kind === 'pglite' ? await startControl(settings, log, runner.run) : undefined;
    const scheduling = options.schedule
      ? schedule(settings, database, log, runner.run, stop.signal)
      : undefined;
    console.log(`API ${server.url}  (web app ${server.url}/, docs ${server.url}/docs) — Ctrl-C stops`);
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    log.info({ signal }, 'shutting down: finishing requests in flight');
    stop.abort();
    await control?.close();
    await scheduling;
    await runner.idle();
    await server.close();
  } finally {
    if (pipelineDb && pipelineDb !== database) await pipelineDb.close();
    if (!options.database) await database.close();
  }
}

/** The daily schedule in this process; dates before the first run ever made are not "missed". */
async function schedule(
  settings: Settings,
  database: SourceDatabase,
  log: Logger,
  runDate: (date: string) => Promise<RunSummary>,
  signal: AbortSignal,
): Promise<void> {
  const first = await database.db
    .selectFrom('ops.pipeline_run')
    .select((eb) => eb.fn.min('run_date').as('since'))
    .where('executor', '<>', 'task')
    .executeTakeFirst();
  const scheduler = new Scheduler({
    settings,
    database,
    log,
    runDate,
    liveSources: liveSources(settings),
    since: first?.since ?? undefined,
  });
  log.info(`scheduler started: "${settings.scheduleCron}" ${settings.scheduleTimezone}`);
  await scheduler.start(signal);
}
