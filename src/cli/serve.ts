import type { Command } from 'commander';
import { openApiDatabase } from '../api/database.ts';
import { startServer } from '../api/server.ts';
import { ConfigError } from '../common/errors.ts';
import type { Logger } from '../common/logger.ts';
import type { Settings } from '../config/settings.ts';
import { migrate } from '../oltp/migrate.ts';
import { cliContext } from './context.ts';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('Serve the REST API (docs at /docs); migrates the database first')
    .option('--port <port>', 'port to listen on (default: PORT, else 3000; 0 = any free port)')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .action(async (options: { port?: string; host: string }, command: Command) => {
      const { settings, log } = cliContext(command);
      await serveUntilSignal(settings, log, { host: options.host, port: parsePort(options.port, settings) });
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

/** Serves the API and web app until SIGINT/SIGTERM, then finishes the requests in flight. */
export async function serveUntilSignal(
  settings: Settings,
  log: Logger,
  listen: { host: string; port: number },
): Promise<void> {
  const database = await openApiDatabase(settings);
  try {
    await migrate(database, { log });
    const server = await startServer({ settings, database, log, ...listen });
    console.log(`API ${server.url}  (web app ${server.url}/, docs ${server.url}/docs) — Ctrl-C stops`);
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    log.info({ signal }, 'shutting down: finishing requests in flight');
    await server.close();
  } finally {
    await database.close();
  }
}
