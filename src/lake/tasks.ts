import type { Task, TaskOutcome } from '../orchestrator/graph.ts';
import { exportLake } from './export.ts';
import { openObjectStore } from './store.ts';

/** Exports the rows the day's loads changed to the lake, as Parquet partitions of the run date. */
export const lakeExportTask: Task = {
  name: 'lake_export',
  needs: ['lakeUrl'],
  dependsOn: ['load_geography', 'load_yelp'],
  description: 'Export changed source rows to the Parquet lake (partition dt = run date)',
  async run(ctx): Promise<TaskOutcome> {
    const store = openObjectStore(ctx.settings);
    const manifest = await exportLake(ctx.database, store, ctx.runDate, { log: ctx.log, signal: ctx.signal });
    const tables = Object.values(manifest.tables);
    if (manifest.skipped) {
      return {
        rows: 0,
        details: {
          lake: store.url,
          skipped: `holds ${manifest.skipped.latest}`,
          pending_rows: manifest.skipped.pendingRows,
        },
      };
    }
    return {
      rows: tables.reduce((sum, t) => sum + t.rows, 0),
      details: {
        lake: store.url,
        tables: tables.length,
        files: tables.reduce((sum, t) => sum + t.files.length, 0),
      },
    };
  },
};

export const lakeTasks: Task[] = [lakeExportTask];
