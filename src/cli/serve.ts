import type { Command } from 'commander';
import { openApiDatabase } from '../api/database.ts';
import { startServer } from '../api/server.ts';
import { ConfigError } from '../common/errors.ts';
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
      const port = options.port === undefined ? settings.port : Number(options.port);
      if (!Number.isInteger(port) || port < 0 || port > 65_535) {
        throw new ConfigError(`Invalid --port "${options.port}": expected a port number from 0 to 65535`);
      }
      const database = await openApiDatabase(settings);
      try {
        await migrate(database, { log });
        const server = await startServer({ settings, database, log, host: options.host, port });
        const signal = await new Promise<NodeJS.Signals>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        log.info({ signal }, 'shutting down: finishing requests in flight');
        await server.close();
      } finally {
        await database.close();
      }
    });
}
