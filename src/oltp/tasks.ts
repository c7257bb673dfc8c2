import type { Task } from '../orchestrator/graph.ts';
import { migrate } from './migrate.ts';

/** Brings the source database schema up to date; a no-op when it already is. */
export const migrateTask: Task = {
  name: 'migrate',
  dependsOn: [],
  description: 'Apply pending source-database migrations',
  async run(ctx) {
    const applied = await migrate(ctx.database, { log: ctx.log });
    return { rows: applied.length };
  },
};
