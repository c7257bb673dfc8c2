import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { parseRunDate, todayUtc } from '../common/dates.ts';
import { ValidationError } from '../common/errors.ts';
import { exportLake } from '../lake/export.ts';
import { listExportDates, readManifest, verifyLake } from '../lake/manifest.ts';
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
      if (manifest.skipped) {
        const { latest, pendingRows } = manifest.skipped;
        console.log(
          `Nothing exported for ${date}: ${store.url} already holds ${latest}${pendingRows > 0 ? `; ${pendingRows} row(s) changed since go into the next export` : ', and nothing changed since'}`,
        );
        return;
      }
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
    .command('verify')
    .description(
      'Check every manifest and the size and SHA-256 of every file it lists (exit 1 on a mismatch)',
    )
    .option('--date <YYYY-MM-DD>', 'check only this date')
    .action(async (options: { date?: string }, command: Command) => {
      const { settings } = cliContext(command);
      const store = openObjectStore(settings);
      // A fresh download folder: a remote lake's objects are read again, not a cached copy.
      const cacheDir = await mkdtemp(path.join(tmpdir(), 'gourmand-lake-verify-'));
      try {
        const report = await verifyLake(store, {
          date: options.date ? parseRunDate(options.date) : undefined,
          cacheDir,
        });
        for (const problem of report.problems) console.log(`FAIL ${problem.key}: ${problem.message}`);
        if (report.problems.length > 0) {
          throw new ValidationError(
            `Lake ${store.url}: ${report.problems.length} problem(s) in ${report.dates.length} date(s): ${report.problems.map((p) => p.key).join(', ')}`,
          );
        }
        console.log(`Lake ${store.url}: ${report.dates.length} date(s), ${report.files} file(s) verified`);
      } finally {
        await rm(cacheDir, { recursive: true, force: true });
      }
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
