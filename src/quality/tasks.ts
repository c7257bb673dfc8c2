import { sql } from 'kysely';
import type { Task } from '../orchestrator/graph.ts';
import { warehouseFor } from '../warehouse/tasks.ts';
import { recordCheckResults } from './check-log.ts';
import { reconcile } from './reconcile.ts';

/**
 * Compares the source database with the freshly built warehouse and records every result in
 * ops.check_result. It reports rather than blocks: failed `error` checks are alerted when the
 * run ends (see alerts.ts), and the task itself only fails if it cannot compare.
 */
export const reconcileTask: Task = {
  name: 'reconcile',
  needs: ['warehouseUrl'],
  // After the data tests, not beside them: the DuckDB warehouse has one writer process at a time,
  // and on BullMQ the two tasks may land in different processes.
  dependsOn: ['warehouse_test'],
  description: 'Reconcile the source database with the warehouse; results to ops.check_result',
  async run(ctx) {
    const warehouse = await warehouseFor(ctx);
    const results = await reconcile(
      {
        source: async (query) =>
          (await sql.raw<Record<string, unknown>>(query).execute(ctx.database.db)).rows,
        warehouse: (query) => warehouse.adapter.query(query),
      },
      ctx.runDate,
    );
    // A retried attempt replaces its own earlier results instead of adding to them.
    await ctx.database.db
      .deleteFrom('ops.check_result')
      .where('run_id', '=', ctx.runId)
      .where('check_name', 'in', [...new Set(results.map((r) => r.check))])
      .execute();
    await recordCheckResults(ctx.database, ctx, results);
    const count = (status: string) => results.filter((r) => r.status === status).length;
    const failed = results.filter((r) => r.status === 'fail');
    if (failed.length > 0) {
      ctx.log.warn(
        { failed: failed.map((r) => `${r.check}/${r.entity}`) },
        `reconcile: ${failed.length} error check(s) failed`,
      );
    }
    return {
      rows: results.length,
      details: { passed: count('pass'), warned: count('warn'), failed: count('fail') },
    };
  },
};

export const qualityTasks: Task[] = [reconcileTask];
