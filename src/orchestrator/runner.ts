import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../common/logger.ts';
import type { Settings } from '../config/settings.ts';
import type { SourceDatabase } from '../oltp/database.ts';
import type { RunStatus, TaskStatus } from '../oltp/schema.ts';
import { callHook, Resources, type RunHooks, runAttempt } from './attempt.ts';
import { type Task, type TaskGraph, validateGraph } from './graph.ts';
import { reapAbandonedRuns, removeLeakedTempDirs, startHeartbeat } from './liveness.ts';
import { openRunLogFile } from './log-files.ts';
import { RunLog } from './run-log.ts';

export interface RunOptions {
  graph: TaskGraph;
  runDate: string;
  settings: Settings;
  database: SourceDatabase;
  /** From createLogger (silentLogger is one): only its records reach the run's log file. */
  log: Logger;
  signal?: AbortSignal;
  executor?: string;
  /** Defaults come from settings (taskAttempts, taskBackoffMs, taskConcurrency). */
  attempts?: number;
  backoffMs?: number;
  concurrency?: number;
  /** Observers of the run (alerts); a failing hook never changes the run's outcome. */
  hooks?: RunHooks;
}

export interface TaskSummary {
  status: Exclude<TaskStatus, 'running'> | 'pending';
  attempts: number;
  rows?: number;
  details?: Record<string, number | string>;
  error?: string;
  /** Why the task's result is incomplete (TaskOutcome.partial). */
  partial?: string;
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

/**
 * Runs a task graph in-process: dependency order, independent tasks concurrently (bounded),
 * retries with exponential backoff, dependents of a finally-failed task skipped, every run and
 * attempt recorded in ops. Cancellation starts no further task (but evenIfCancelled ones) and lets
 * the running ones settle: committed work is recorded succeeded, stopped work 'cancelled'.
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
  const abandoned = await reapAbandonedRuns(database.db);
  if (abandoned.length > 0)
    options.log.warn(`runs ${abandoned.join(', ')} marked abandoned: their process died`);
  removeLeakedTempDirs();
  const runId = await runLog.startRun(runDate, options.executor ?? 'in-process');
  const logFile = openRunLogFile(settings, database, { runId, runDate });
  await runLog.setLogFile(runId, logFile.file);
  const heartbeat = startHeartbeat(database.db, runId, options.log);
  const log = options.log.child({ runId, runDate });
  log.info({ event: 'run_started', tasks: order.length }, `run ${runId} started for ${runDate}`);

  const summaries: Record<string, TaskSummary> = Object.fromEntries(
    order.map((task) => [task.name, { status: 'pending', attempts: 0, durationMs: 0 } satisfies TaskSummary]),
  );
  const running = new Map<string, Promise<void>>();

  const runTask = async (task: Task) => {
    const summary = summaries[task.name]!;
    const taskStarted = Date.now();
    const maxAttempts = task.attempts ?? attempts;
    const taskLog = log.child({ task: task.name });
    // Bookkeeping after committed work runs even in a cancelled run.
    const taskSignal = task.evenIfCancelled ? new AbortController().signal : signal;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      summary.attempts = attempt;
      const result = await runAttempt({
        task,
        runId,
        runDate,
        attempt,
        settings,
        database,
        log: taskLog,
        signal: taskSignal,
        resources,
        runLog,
      });
      summary.durationMs = Date.now() - taskStarted;
      if (result.status === 'succeeded') {
        summary.rows = result.outcome?.rows;
        summary.details = result.outcome?.details;
        summary.partial = result.outcome?.partial;
        summary.status = 'succeeded';
        taskLog.info(
          { event: 'task_succeeded', rows: summary.rows, ms: summary.durationMs },
          `${task.name} succeeded`,
        );
        return;
      }
      summary.error = result.error;
      if (result.status === 'cancelled') {
        summary.status = 'cancelled';
        return;
      }
      if (result.status === 'lost') {
        // Another process took the task over: it records the outcome.
        summary.status = 'failed';
        return;
      }
      if (attempt === maxAttempts || (result.status === 'failed' && !result.retryable)) {
        summary.status = 'failed';
        taskLog.error(
          { event: 'task_failed', attempt, err: summary.error, ms: summary.durationMs },
          `${task.name} failed after ${attempt} attempt(s)`,
        );
        await callHook(
          options.hooks,
          'taskFailed',
          { runId, runDate, task: task.name, attempts: attempt, error: result.error },
          taskLog,
        );
        return;
      }
      const delay = backoffDelay(backoffMs, attempt);
      taskLog.warn({ attempt, err: summary.error, retryInMs: delay }, `${task.name} failed; retrying`);
      await sleep(delay, undefined, { signal: taskSignal }).catch(() => {});
      if (taskSignal.aborted) {
        summary.status = 'cancelled';
        return;
      }
    }
  };

  try {
    for (;;) {
      // After cancellation only tasks marked evenIfCancelled still start.
      const cancelled = signal.aborted;
      let progressed = false;
      for (const task of order) {
        const summary = summaries[task.name]!;
        if (summary.status !== 'pending' || running.has(task.name)) continue;
        if (cancelled && !task.evenIfCancelled) continue;
        const deps = task.dependsOn.map((dep) => summaries[dep]!);
        const blocker = task.dependsOn.find((_, i) =>
          ['failed', 'skipped', 'cancelled'].includes(deps[i]!.status),
        );
        if (blocker) {
          summary.status = 'skipped';
          summary.error = `upstream task ${blocker} did not succeed`;
          await runLog.recordSkipped(runId, task.name, summary.error);
          log.warn({ event: 'task_skipped', task: task.name }, `${task.name} skipped: ${summary.error}`);
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
  } catch (error) {
    // A crashed runner never leaves its run 'running'.
    heartbeat.stop();
    await Promise.allSettled(running.values());
    await resources.disposeAll(log);
    await runLog.finishRun(runId, 'failed', `runner crashed: ${String(error)}`).catch(() => {});
    await logFile.close();
    throw error;
  }
  heartbeat.stop();
  await resources.disposeAll(log);

  const failed = order.filter((task) => summaries[task.name]!.status === 'failed').map((task) => task.name);
  const partial = partialReason(summaries);
  const status: RunSummary['status'] = signal.aborted
    ? 'cancelled'
    : failed.length > 0
      ? 'failed'
      : partial
        ? 'partial'
        : 'succeeded';
  const error =
    status === 'cancelled' ? 'cancelled' : failed.length > 0 ? `failed tasks: ${failed.join(', ')}` : partial;
  await runLog.finishRun(runId, status, error);
  await callHook(options.hooks, 'runFinished', { runId, runDate, status, partial }, log);
  const durationMs = Date.now() - started;
  log.info({ event: 'run_finished', status, ms: durationMs }, `run ${runId} ${status}`);
  await logFile.close();
  return { runId, runDate, status, tasks: summaries, durationMs };
}

/** What made a run partial: the tasks that said their result is incomplete, and why. */
export function partialReason(tasks: Record<string, Pick<TaskSummary, 'partial'>>): string | undefined {
  const reasons = Object.entries(tasks).flatMap(([name, t]) => (t.partial ? [`${name}: ${t.partial}`] : []));
  return reasons.length > 0 ? `partial: ${reasons.join('; ')}` : undefined;
}

/**
 * runGraph, cancelled cleanly by the first SIGINT/SIGTERM (the run and its running attempts are
 * recorded as 'cancelled'); a second SIGINT exits at once.
 */
export async function runGraphUntilSignal(options: Omit<RunOptions, 'signal'>): Promise<RunSummary> {
  const controller = new AbortController();
  const cancel = () => {
    options.log.warn('cancelling the run (press Ctrl-C again to force)');
    controller.abort();
    process.once('SIGINT', () => process.exit(130));
  };
  process.once('SIGINT', cancel);
  process.once('SIGTERM', cancel);
  try {
    return await runGraph({ ...options, signal: controller.signal });
  } finally {
    process.off('SIGINT', cancel);
    process.off('SIGTERM', cancel);
  }
}
