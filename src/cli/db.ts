import type { Command } from 'commander';
import { ConfigError } from '../common/errors.ts';
import { migrate, migrationStatus, resetDatabase } from '../oltp/migrate.ts';
import { cliContext, printTable, withDatabase } from './context.ts';

export function registerDbCommands(program: Command): void {
  const db = program.command('db').description('Manage the source database (PostgreSQL or embedded PGlite)');

  db.command('migrate')
    .description('Apply pending migrations (a no-op when up to date)')
    .option('--to <version>', 'stop after this migration version, e.g. 0001')
    .action(async (options: { to?: string }, command: Command) => {
      const { settings, log } = cliContext(command);
      if (options.to && !/^\d{4}$/.test(options.to)) {
        throw new ConfigError(
          `Invalid --to "${options.to}": expected a 4-digit migration version such as 0001`,
        );
      }
      await withDatabase(settings, async (database) => {
        const applied = await migrate(database, { target: options.to, log });
        console.log(
          applied.length === 0
            ? `Database ${database.location} is up to date.`
            : `Applied ${applied.length} migration(s) to ${database.location}: ${applied.map((m) => m.file).join(', ')}`,
        );
      });
    });

  db.command('status')
    .description('List migrations and whether each is applied or pending')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const { settings } = cliContext(command);
      await withDatabase(settings, async (database) => {
        const status = await migrationStatus(database);
        if (options.json) {
          console.log(JSON.stringify({ database: database.location, migrations: status }, null, 2));
          return;
        }
        console.log(`Database: ${database.location} (${database.kind})`);
        printTable(
          status.map((s) => ({ version: s.version, name: s.name, state: s.state, applied_at: s.appliedAt })),
        );
        const pending = status.filter((s) => s.state === 'pending').length;
        console.log(pending === 0 ? 'Up to date.' : `${pending} pending: run \`gourmand db migrate\`.`);
      });
    });

  db.command('reset')
    .description('Drop every schema of the source database and its data (asks for --yes)')
    .option('--yes', 'confirm that all data will be deleted')
    .action(async (options: { yes?: boolean }, command: Command) => {
      if (!options.yes) throw new ConfigError('db reset deletes all data: pass --yes to confirm');
      const { settings } = cliContext(command);
      await withDatabase(settings, async (database) => {
        const dropped = await resetDatabase(database);
        console.log(`Reset ${database.location}: dropped schemas ${dropped.join(', ')}.`);
      });
    });
}
