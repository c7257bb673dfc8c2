import { setTimeout as sleep } from 'node:timers/promises';
import { CancelledError, errorMessage } from '../common/errors.ts';
import type { Logger } from '../common/logger.ts';
import type { Settings } from '../config/settings.ts';
import type { SourceDatabase } from '../oltp/database.ts';
import type { RunStatus, TaskStatus } from '../oltp/schema.ts';
import { type RunResources, type Task, type TaskGraph, validateGraph } from './graph.ts';
import { RunLog } from './run-log.ts';

export interface RunOptions {
  graph: TaskGraph;
  runDate: string;
  settings: Settings;
  database: SourceDatabase;
  log: Logger;
  signal?: AbortSignal;
  executor?: string;
  /** Defaults come from settings (taskAttempts, taskBackoffMs, taskConcurrency). */
  attempts?: number;
  backoffMs?: number;
  concurrency?: number;
}

export interface TaskSummary {
  status: Exclude<TaskStatus, 'running'> | 'pending';
  attempts: number;
  rows?: number;
  details?: Record<string, number | string>;
  error?: string;
  durationMs: number;
}

export interface RunSummary {
  runId: number;
  runDate: string;
  status: Exclude<RunStatus, 'running'>;
  tasks: Record<string, TaskSummary>;
  durationMs: number;
}

/** Exponential backoff with jitter: attempt n waits base·2^(n-1)·[0.5, 1). */
export function backoffDelay(baseMs: number, attempt: number, random = Math.random): number {
  return Math.round(baseMs * 2 ** (attempt - 1) * (0.5 + random() / 2));
}

class Resources implements RunResources {
  private readonly entries = new Map<string, Promise<{ value: unknown; dispose?: () => Promise<void> }>>();

  get<T>(key: string, create: () => Promise<{ value: T; dispose?: () => Promise<void> }>): Promise<T> {
    let entry = this.entries.get(key);
    if (!entry) {
      entry = create();
      this.entries.set(key, entry);
    }
    return entry.then((e) => e.value as T);
  }

  async disposeAll(log: Logger) {
    for (const [key, entry] of [...this.entries].reverse()) {
      try {
        await (await entry).dispose?.();
      } catch (error) {
        log.warn({ resource: key, err: errorMessage(error) }, 'could not dispose a run resource');
      }
    }
    this.entries.clear();
  }
}

/** Rejects with CancelledError as soon as the signal aborts, whatever the promise does. */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new CancelledError('Run cancelled'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new CancelledError('Run cancelled'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/**
 * Runs a task graph in-process: dependency order, independent tasks concurrently (bounded),
 * retries with exponential backoff, dependents of a finally-failed task skipped, every run and
 * attempt recorded in ops. Cancellation marks the run and its running attempts 'cancelled'.
 */
export async function runGraph(options: RunOptions): Promise<RunSummary> {
  const { settings, database, runDate } = options;
  const order = validateGraph(options.graph);
  const attempts = options.attempts ?? settings.taskAttempts;
  const backoffMs = options.backoffMs ?? settings.taskBackoffMs;
  const concurrency = options.concurrency ?? settings.taskConcurrency;
  const signal = options.signal ?? new AbortController().signal;
  const runLog = new RunLog(database.db);
  const resources = new Resources();
  const started = Date.now();
  const runId = await runLog.startRun(runDate, options.executor ?? 'in-process');
  const log = options.log.child({ runId, runDate });
  log.info({ tasks: order.length }, `run ${runId} started for ${runDate}`);

  const summaries: Record<string, TaskSummary> = Object.fromEntries(
    order.map((task) => [task.name, { status: 'pending', attempts: 0, durationMs: 0 } satisfies TaskSummary]),
  );
  const running = new Map<string, Promise<void>>();

  const runTask = async (task: Task) => {
    const summary = summaries[task.name]!;
    const taskStarted = Date.now();
    const maxAttempts = task.attempts ?? attempts;
    const taskLog = log.child({ task: task.name });
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      summary.attempts = attempt;
      const taskRunId = await runLog.startAttempt(runId, task.name, attempt);
      taskLog.info({ attempt }, `${task.name} started${attempt > 1 ? ` (attempt ${attempt})` : ''}`);
      try {
        const outcome = await raceAbort(
          Promise.resolve().then(() =>
            task.run({ runDate, runId, attempt, settings, database, log: taskLog, signal, resources }),
          ),
          signal,
        );
        summary.rows = outcome?.rows;
        summary.details = outcome?.details;
        summary.status = 'succeeded';
        summary.durationMs = Date.now() - taskStarted;
        await runLog.finishAttempt(taskRunId, 'succeeded', { rows: outcome?.rows });
        taskLog.info({ rows: outcome?.rows, ms: summary.durationMs }, `${task.name} succeeded`);
        return;
      } catch (error) {
        summary.error = errorMessage(error);
        summary.durationMs = Date.now() - taskStarted;
        if (signal.aborted) {
          summary.status = 'cancelled';
          await runLog.finishAttempt(taskRunId, 'cancelled', { error: 'cancelled' });
          return;
        }
        await runLog.finishAttempt(taskRunId, 'failed', { error: summary.error });
        if (attempt === maxAttempts) {
          summary.status = 'failed';
          taskLog.error({ attempt, err: summary.error }, `${task.name} failed after ${attempt} attempt(s)`);
          return;
        }
        const delay = backoffDelay(backoffMs, attempt);
        taskLog.warn({ attempt, err: summary.error, retryInMs: delay }, `${task.name} failed; retrying`);
        await sleep(delay, undefined, { signal }).catch(() => {});
        if (signal.aborted) {
          summary.status = 'cancelled';
          return;
        }
      }
    }
  };

  try {
    while (!signal.aborted) {
      let progressed = false;
      for (const task of order) {
        const summary = summaries[task.name]!;
        if (summary.status !== 'pending' || running.has(task.name)) continue;
        const deps = task.dependsOn.map((dep) => summaries[dep]!);
        const blocker = task.dependsOn.find((_, i) =>
          ['failed', 'skipped', 'cancelled'].includes(deps[i]!.status),
        );
        if (blocker) {
          summary.status = 'skipped';
          summary.error = `upstream task ${blocker} did not succeed`;
          await runLog.recordSkipped(runId, task.name, summary.error);
          log.warn(`${task.name} skipped: ${summary.error}`);
          progressed = true;
          continue;
        }
        if (deps.every((dep) => dep.status === 'succeeded') && running.size < concurrency) {
          running.set(
            task.name,
            runTask(task).finally(() => running.delete(task.name)),
          );
          progressed = true;
        }
      }
      if (running.size === 0 && !progressed) break;
      if (running.size > 0 && !progressed) await Promise.race(running.values());
    }
    // On cancellation, let running attempts record themselves as cancelled.
    await Promise.allSettled(running.values());
  } finally {
    await resources.disposeAll(log);
  }

  const failed = order.filter((task) => summaries[task.name]!.status === 'failed').map((task) => task.name);
  const status: RunSummary['status'] = signal.aborted
    ? 'cancelled'
    : failed.length > 0
      ? 'failed'
      : 'succeeded';
  const error =
    status === 'cancelled'
      ? 'cancelled'
      : failed.length > 0
        ? `failed tasks: ${failed.join(', ')}`
        : undefined;
  await runLog.finishRun(runId, status, error);
  const durationMs = Date.now() - started;
  log.info({ status, ms: durationMs }, `run ${runId} ${status}`);
  return { runId, runDate, status, tasks: summaries, durationMs };
}
