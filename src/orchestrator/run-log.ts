import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import type { RunStatus, Schema, TaskStatus } from '../oltp/schema.ts';

/** Writes the run history (ops.pipeline_run, ops.task_run) that status, alerts and the dashboard read. */
export class RunLog {
  constructor(private readonly db: Kysely<Schema>) {}

  /**
   * `owned`: this process runs the run and keeps its heartbeat (see liveness.ts); a BullMQ run
   * belongs to no single process.
   */
  async startRun(runDate: string, executor: string, owned = true): Promise<number> {
    const owner = owned ? { host: hostname(), pid: process.pid, heartbeat_at: new Date() } : {};
    const row = await this.db
      .insertInto('ops.pipeline_run')
      .values({ run_date: runDate, executor, status: 'running', ...owner })
      .returning('run_id')
      .executeTakeFirstOrThrow();
    return row.run_id;
  }

  async finishRun(runId: number, status: Exclude<RunStatus, 'running'>, error?: string): Promise<void> {
    await this.db
      .updateTable('ops.pipeline_run')
      .set({ status, ended_at: new Date(), error: error ?? null })
      .where('run_id', '=', runId)
      .execute();
  }

  async setLogFile(runId: number, file: string): Promise<void> {
    await this.db
      .updateTable('ops.pipeline_run')
      .set({ log_file: file })
      .where('run_id', '=', runId)
      .execute();
  }

  async startAttempt(runId: number, taskName: string, attempt: number): Promise<number> {
    const row = await this.db
      .insertInto('ops.task_run')
      .values({ run_id: runId, task_name: taskName, attempt, status: 'running' })
      .returning('task_run_id')
      .executeTakeFirstOrThrow();
    return row.task_run_id;
  }

  async finishAttempt(
    taskRunId: number,
    status: Exclude<TaskStatus, 'running' | 'skipped'>,
    detail: { rows?: number; error?: string; partial?: string } = {},
  ): Promise<void> {
    await this.db
      .updateTable('ops.task_run')
      .set({
        status,
        ended_at: new Date(),
        rows: detail.rows ?? null,
        error: detail.error ?? null,
        partial: detail.partial ?? null,
      })
      .where('task_run_id', '=', taskRunId)
      .execute();
  }

  async recordSkipped(runId: number, taskName: string, reason: string): Promise<void> {
    const now = new Date();
    await this.db
      .insertInto('ops.task_run')
      .values({
        run_id: runId,
        task_name: taskName,
        attempt: 1,
        status: 'skipped',
        ended_at: now,
        error: reason,
      })
      .execute();
  }
}
