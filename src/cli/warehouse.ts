import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type Command, Option } from 'commander';
import { cdcLakeStore, materializeCdcLake } from '../cdc/lake.ts';
import { parseRunDate, todayUtc } from '../common/dates.ts';
import { statePath } from '../config/state-dir.ts';
import { openObjectStore } from '../lake/store.ts';
import { migrate } from '../oltp/migrate.ts';
import { openWarehouse, type WarehouseAdapter, withWarehouse } from '../warehouse/adapter.ts';
import { runDataTests } from '../warehouse/data-tests.ts';
import { lineageLines } from '../warehouse/lineage.ts';
import { loadProject } from '../warehouse/project.ts';
import { renderedText, renderProject } from '../warehouse/render.ts';
import { buildWarehouse } from '../warehouse/runner.ts';
import { cliContext, printTable, withDatabase } from './context.ts';

interface RunOptions {
  date: string;
  source?: 'export' | 'cdc';
  select?: string[];
  fullRefresh?: boolean;
}

const withCommandWarehouse = <T>(command: Command, fn: (adapter: WarehouseAdapter) => Promise<T>) =>
  withWarehouse(cliContext(command).settings, fn);

export function registerWarehouseCommands(program: Command): void {
  const warehouse = program
    .command('warehouse')
    .description('The warehouse (WAREHOUSE_URL): models built from the lake, data tests, lineage');

  warehouse
    .command('build')
    .description('Land the lake partitions up to --date and build the models')
    .option('--date <YYYY-MM-DD>', 'run date', todayUtc())
    .option(
      '-s, --select <selector...>',
      'models to build: name, name+ (and downstream), +name (and upstream)',
    )
    .option('--full-refresh', 'rebuild incremental models and snapshots from every lake partition')
    .addOption(
      new Option('--source <source>', 'lake partitions from the daily export, or from the CDC change files')
        .choices(['export', 'cdc'])
        .default('export'),
    )
    .action(async (options: RunOptions, command: Command) => {
      const runDate = parseRunDate(options.date);
      const { settings, log } = cliContext(command);
      const cacheDir = statePath(settings, 'lake-cache');
      let store = openObjectStore(settings);
      if (options.source === 'cdc') {
        const cdcStore = cdcLakeStore(settings);
        await materializeCdcLake(store, cdcStore, { runDate, cacheDir });
        store = cdcStore;
      }
      const report = await withCommandWarehouse(command, (adapter) =>
        buildWarehouse(
          { adapter, store, cacheDir, log },
          { runDate, select: options.select, fullRefresh: options.fullRefresh },
        ),
      );
      console.log(
        `Built ${report.models.length} model(s) for ${runDate}; landed ${report.land.rows} lake row(s) from ${report.land.filesRead.length} file(s) (dates: ${report.land.dates.join(', ') || 'none'})`,
      );
      printTable(
        report.models.map((m) => ({
          model: m.name,
          materialized: m.materialized,
          mode: m.mode,
          rows: m.rows,
        })),
      );
    });

  warehouse
    .command('test')
    .description('Run the data tests; failing rows go to schema test_failures, results to ops.check_result')
    .option('--date <YYYY-MM-DD>', 'run date the results are recorded under', todayUtc())
    .option('-s, --select <selector...>', 'test only these models (name, name+, +name)')
    .option('--full', 'check every row, not only the rows changed since the last run')
    .action(async (options: RunOptions & { full?: boolean }, command: Command) => {
      const runDate = parseRunDate(options.date);
      const { settings, log } = cliContext(command);
      const results = await withDatabase(settings, async (database) => {
        await migrate(database, { log });
        return withCommandWarehouse(command, (adapter) =>
          runDataTests(adapter, database.db, { runDate, select: options.select, log, full: options.full }),
        );
      });
      printTable(
        results.map((r) => ({
          test: r.name,
          entity: r.entity,
          scope: r.scope,
          status: r.status,
          failures: r.failures,
        })),
      );
      const failed = results.filter((r) => r.status === 'fail').length;
      console.log(
        `${results.length} test(s): ${failed} failed, ${results.filter((r) => r.status === 'warn').length} warned`,
      );
      if (failed > 0) process.exitCode = 1;
    });

  warehouse
    .command('compile')
    .description('Render every model as the target engine would run it, without connecting')
    .addOption(
      new Option('--target <engine>', 'engine to render for')
        .choices(['duckdb', 'bigquery'])
        .default('duckdb'),
    )
    .option('--out <dir>', 'write <dir>/<layer>/<model>.sql instead of printing')
    .action(async (options: { target: 'duckdb' | 'bigquery'; out?: string }, command: Command) => {
      const { settings } = cliContext(command);
      // Rendering needs no warehouse: an in-memory DuckDB, or BigQuery's dialect without a client.
      const url =
        options.target === 'duckdb'
          ? 'duckdb:///:memory:'
          : settings.warehouseUrl.startsWith('bigquery:')
            ? settings.warehouseUrl
            : 'bigquery://gourmand/warehouse';
      const adapter = await openWarehouse({ ...settings, warehouseUrl: url });
      try {
        for (const rendered of renderProject(adapter, loadProject())) {
          const text = renderedText(rendered);
          if (!options.out) {
            console.log(text);
            continue;
          }
          const file = path.join(options.out, rendered.model.layer, `${rendered.model.name}.sql`);
          mkdirSync(path.dirname(file), { recursive: true });
          writeFileSync(file, text);
        }
        if (options.out) console.log(`Rendered every model for ${options.target} into ${options.out}`);
      } finally {
        await adapter.close();
      }
    });

  warehouse
    .command('graph')
    .description('Print the model lineage, parents first')
    .action(() => {
      for (const line of lineageLines(loadProject())) console.log(line);
    });
}
