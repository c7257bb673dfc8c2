import { readdirSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { Logger } from '../common/logger.ts';
import { processAlive } from '../common/process-lock.ts';
import type { Schema } from '../oltp/schema.ts';

/** How often a running run proves its process is alive. */
export const HEARTBEAT_MS = 15_000;
/** A run of another host whose heartbeat is this old has lost its process. */
export const STALE_AFTER_MS = 4 * HEARTBEAT_MS;

/** Keeps the run's heartbeat fresh until stopped; a failed beat only logs (the next one retries). */
export function startHeartbeat(db: Kysely<Schema>, runId: number, log: Logger): { stop(): void } {
  const timer = setInterval(() => {
    db.updateTable('ops.pipeline_run')
      .set({ heartbeat_at: new Date() })
      .where('run_id', '=', runId)
      .execute()
      .catch((error) => log.debug({ err: String(error) }, 'run heartbeat failed'));
  }, HEARTBEAT_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/**
 * Closes as 'abandoned' every 'running' run whose process died: on this host, its pid no longer
 * exists; elsewhere, its heartbeat is older than STALE_AFTER_MS. Its attempts still 'running' are
 * marked failed. Runs without an owning process (BullMQ: any worker continues them) are left alone.
 * Returns the run ids it closed.
 */
export async function reapAbandonedRuns(db: Kysely<Schema>, now = new Date()): Promise<number[]> {
  const running = await db
    .selectFrom('ops.pipeline_run')
    .select(['run_id', 'host', 'pid', 'heartbeat_at'])
    .where('status', '=', 'running')
    .where('pid', 'is not', null)
    .execute();
  const here = hostname();
  const dead = running.filter((run) => {
    if (run.host === here && run.pid === process.pid) return false;
    if (run.host === here && !processAlive(run.pid!)) return true;
    return !run.heartbeat_at || now.getTime() - run.heartbeat_at.getTime() > STALE_AFTER_MS;
  });
  const ids = dead.map((run) => run.run_id);
  if (ids.length === 0) return [];
  const error = 'abandoned: the process running it died';
  await db.transaction().execute(async (tx) => {
    await tx
      .updateTable('ops.task_run')
      .set({ status: 'failed', ended_at: now, error })
      .where('run_id', 'in', ids)
      .where('status', '=', 'running')
      .execute();
    await tx
      .updateTable('ops.pipeline_run')
      .set({ status: 'abandoned', ended_at: now, error })
      .where('run_id', 'in', ids)
      .where('status', '=', 'running')
      .execute();
  });
  return ids;
}

/**
 * Removes the temporary folders (`gourmand-lake-<pid>-*`, `gourmand-load-<pid>-*`) that exports
 * and loads of processes that died left behind; returns how many.
 */
export function removeLeakedTempDirs(dir = tmpdir()): number {
  let removed = 0;
  for (const name of readdirSync(dir)) {
    const match = /^gourmand-(?:lake|load)-(\d+)-/.exec(name);
    if (!match || processAlive(Number(match[1]))) continue;
    rmSync(path.join(dir, name), { recursive: true, force: true });
    removed++;
  }
  return removed;
}
