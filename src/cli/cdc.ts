import type { Command } from 'commander';
import { ConfigError } from '../common/errors.ts';
import { openObjectStore } from '../lake/store.ts';
import { cliContext } from './context.ts';

export function registerCdcCommands(program: Command): void {
  const cdc = program
    .command('cdc')
    .description('Change-data-capture from the PostgreSQL source (logical replication, pgoutput)');

  cdc
    .command('stream')
    .description(
      'Stream every insert, update and delete to _cdc/ change files in the lake (and JetStream with CDC_NATS_URL) until Ctrl-C',
    )
    .action(async (_options: unknown, command: Command) => {
      const { settings, log } = cliContext(command);
      if (!settings.databaseUrl) {
        throw new ConfigError(
          'gourmand cdc stream needs DATABASE_URL: a PostgreSQL server with wal_level=logical',
        );
      }
      // Loaded here: other commands need not load the replication and NATS clients.
      const { CdcStream } = await import('../cdc/stream.ts');
      const stream = new CdcStream({
        databaseUrl: settings.databaseUrl,
        store: openObjectStore(settings),
        slot: settings.cdcSlot,
        publication: settings.cdcPublication,
        natsUrl: settings.cdcNatsUrl,
        natsStream: settings.cdcNatsStream,
        batchEvents: settings.cdcBatchEvents,
        log,
      });
      await stream.start();
      const stop = () => void stream.stop().finally(() => log.info('CDC stream stopped'));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      await stream.done;
    });
}
