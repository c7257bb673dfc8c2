import { hostname } from 'node:os';
import { sql } from 'kysely';
import { GourmandError } from '../common/errors.ts';
import type { SourceDatabase } from '../oltp/database.ts';
import type { SqlRunner } from './graph.ts';

/** This task was taken over by another process: its work must not commit. */
export class LeaseLostError extends GourmandError {}

export interface TaskLease {
  readonly token: number;
  /** Throws LeaseLostError unless this lease is still the task's current one. */
  fence(tx?: SqlRunner): Promise<void>;
}

/**
 * Takes the lease of a task of a run, bumping its fencing token: whoever held it before (a stalled
 * worker whose BullMQ job was taken over) is fenced off from then on. The fence reads the token
 * `for update` inside the committing transaction, so a takeover either happened before (the old
 * holder rolls back) or waits until that commit is done (and then redoes the idempotent task).
 */
export async function acquireLease(
  database: SourceDatabase,
  runId: number,
  taskName: string,
): Promise<TaskLease> {
  const holder = `${hostname()}:${process.pid}`;
  const row = await database.db
    .insertInto('ops.task_lease')
    .values({ run_id: runId, task_name: taskName, token: 1, holder })
    .onConflict((oc) =>
      oc.columns(['run_id', 'task_name']).doUpdateSet({
        token: sql`ops.task_lease.token + 1`,
        holder,
        acquired_at: sql`now()`,
      }),
    )
    .returning('token')
    .executeTakeFirstOrThrow();
  const token = row.token;
  const check = (current: number | undefined) => {
    if (current !== token) {
      throw new LeaseLostError(
        `${taskName} of run ${runId} was taken over by another worker (lease ${token}, now ${current}); not committing`,
      );
    }
  };
  return {
    token,
    async fence(tx) {
      if (tx) {
        const rows = await tx.query<{ token: number }>(
          'select token from ops.task_lease where run_id = $1 and task_name = $2 for update',
          [runId, taskName],
        );
        check(rows[0]?.token === undefined ? undefined : Number(rows[0].token));
        return;
      }
      const current = await database.db
        .selectFrom('ops.task_lease')
        .select('token')
        .where('run_id', '=', runId)
        .where('task_name', '=', taskName)
        .executeTakeFirst();
      check(current?.token);
    },
  };
}
