import { ValidationError } from '../common/errors.ts';
import { statePath } from '../config/state-dir.ts';
import { openObjectStore } from '../lake/store.ts';
import type { RunResources, Task, TaskContext } from '../orchestrator/graph.ts';
import { openWarehouse, type WarehouseAdapter } from './adapter.ts';
import { runDataTests } from './data-tests.ts';
import { buildWarehouse, type WarehouseContext } from './runner.ts';

/** The warehouse connection, opened once per run and shared by the build and test tasks. */
export function warehouseFor(
  ctx: Pick<TaskContext, 'settings' | 'log'> & { resources: RunResources },
): Promise<WarehouseContext> {
  return ctx.resources.get('warehouse', async () => {
    const adapter: WarehouseAdapter = await openWarehouse(ctx.settings);
    return {
      value: {
        adapter,
        store: openObjectStore(ctx.settings),
        cacheDir: statePath(ctx.settings, 'lake-cache'),
        log: ctx.log,
      },
      dispose: () => adapter.close(),
    };
  });
}

export const warehouseBuildTask: Task = {
  name: 'warehouse_build',
  needs: ['lakeUrl', 'warehouseUrl'],
  dependsOn: ['lake_export'],
  description: 'Land the day’s lake partitions and build the warehouse models',
  async run(ctx) {
    const warehouse = await warehouseFor(ctx);
    const report = await buildWarehouse(
      { ...warehouse, log: ctx.log },
      { runDate: ctx.runDate, signal: ctx.signal },
    );
    return {
      rows: report.land.rows,
      details: {
        models: report.models.length,
        files_read: report.land.filesRead.length,
        dates: report.land.dates.join(' '),
      },
    };
  },
};

export const warehouseTestTask: Task = {
  name: 'warehouse_test',
  needs: ['warehouseUrl'],
  dependsOn: ['warehouse_build'],
  description: 'Run the warehouse data tests; results go to ops.check_result',
  attempts: 1,
  async run(ctx) {
    const warehouse = await warehouseFor(ctx);
    const results = await runDataTests(warehouse.adapter, ctx.database.db, {
      runDate: ctx.runDate,
      runId: ctx.runId,
      log: ctx.log,
    });
    const failed = results.filter((r) => r.status === 'fail');
    if (failed.length > 0) {
      throw new ValidationError(
        `${failed.length} warehouse test(s) failed: ${failed.map((r) => r.name).join(', ')} (rows in schema test_failures)`,
      );
    }
    return {
      rows: results.length,
      details: {
        passed: results.filter((r) => r.status === 'pass').length,
        warned: results.filter((r) => r.status === 'warn').length,
      },
    };
  },
};

export const warehouseTasks: Task[] = [warehouseBuildTask, warehouseTestTask];
