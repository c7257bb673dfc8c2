import type { Command } from 'commander';
import { parseRunDate, todayUtc } from '../common/dates.ts';
import { exportLake, listExportDates, readManifest } from '../lake/export.ts';
import { openObjectStore } from '../lake/store.ts';
import { migrate } from '../oltp/migrate.ts';
import { cliContext, printTable, withDatabase } from './context.ts';

export function registerLakeCommands(program: Command): void {
  const lake = program.command('lake').description('The Parquet data lake (LAKE_URL: file:// or s3://)');

  lake
    .command('export')
    .description("Export rows changed since the last watermark as the date's Parquet partitions")
    .option('--date <YYYY-MM-DD>', 'extract date (re-exporting a date replaces its files)', todayUtc())
    .action(async (options: { date: string }, command: Command) => {
      const date = parseRunDate(options.date);
      const { settings, log } = cliContext(command);
      const store = openObjectStore(settings);
      const manifest = await withDatabase(settings, async (database) => {
        await migrate(database, { log });
        return exportLake(database, store, date, { log });
      });
      console.log(`Exported ${date} to ${store.url}`);
      printTable(
        Object.values(manifest.tables).map((t) => ({
          table: t.table,
          rows: t.rows,
          files: t.files.length,
          since: t.low ?? '',
        })),
      );
    });

  lake
    .command('ls')
    .description('List exported dates, or one date’s files with --date')
    .option('--date <YYYY-MM-DD>', 'show the manifest of this date')
    .action(async (options: { date?: string }, command: Command) => {
      const { settings } = cliContext(command);
      const store = openObjectStore(settings);
      if (!options.date) {
        for (const date of await listExportDates(store)) console.log(date);
        return;
      }
      const manifest = await readManifest(store, parseRunDate(options.date));
      if (!manifest) {
        console.log(`No export for ${options.date} in ${store.url}`);
        return;
      }
      printTable(
        Object.values(manifest.tables).flatMap((t) =>
          t.files.map((f) => ({ key: f.key, rows: f.rows, bytes: f.bytes })),
        ),
      );
    });
}
