import { CancelledError, ConfigError, errorMessage } from '../common/errors.ts';
import type { Logger } from '../common/logger.ts';
import type { Settings } from '../config/settings.ts';
import type { SourceDatabase } from '../oltp/database.ts';
import type { RunResources, Task, TaskOutcome } from './graph.ts';
import { acquireLease, LeaseLostError } from './lease.ts';
import type { RunLog } from './run-log.ts';

/**
 * One attempt of one task, recorded in ops.task_run: the part every executor shares (the
 * in-process runner, BullMQ workers, `gourmand task run`), so a task behaves and is recorded the
 * same way wherever it runs.
 */
export interface AttemptInput {
  task: Task;
  runId: number;
  runDate: string;
  attempt: number;
  settings: Settings;
  database: SourceDatabase;
  log: Logger;
  signal: AbortSignal;
  resources: RunResources;
  runLog: RunLog;
}

export type AttemptResult =
  | { status: 'succeeded'; outcome: TaskOutcome | undefined }
  /** lost: another worker took the task over; this attempt committed nothing and records nothing. */
  | { status: 'cancelled' | 'lost'; error: string }
  /** retryable: false for a bad setting (ConfigError), which another attempt cannot fix. */
  | { status: 'failed'; error: string; retryable: boolean };

/**
 * Runs the task under its lease (see lease.ts). Cancellation is the task's to observe through
 * `signal`: the attempt waits for it to settle, so work that committed is recorded as succeeded
 * even if the run was cancelled meanwhile, and only work that stopped is recorded as cancelled.
 */
export async function runAttempt(input: AttemptInput): Promise<AttemptResult> {
  const { task, runId, runDate, attempt, settings, database, log, signal, resources, runLog } = input;
  const taskRunId = await runLog.startAttempt(runId, task.name, attempt);
  log.info(
    { event: 'task_started', attempt },
    `${task.name} started${attempt > 1 ? ` (attempt ${attempt})` : ''}`,
  );
  try {
    if (signal.aborted) throw new CancelledError('Run cancelled');
    const lease = await acquireLease(database, runId, task.name);
    const outcome = await task.run({
      runDate,
      runId,
      attempt,
      settings,
      database,
      log,
      signal,
      resources,
      fence: lease.fence,
    });
    // Work without a transaction of its own (files, the warehouse) is fenced once more here.
    await lease.fence();
    await runLog.finishAttempt(taskRunId, 'succeeded', { rows: outcome?.rows, partial: outcome?.partial });
    return { status: 'succeeded', outcome: outcome ?? undefined };
  } catch (error) {
    const message = errorMessage(error);
    if (error instanceof LeaseLostError) {
      // The worker that took over already closed this attempt's record.
      log.warn({ attempt }, message);
      return { status: 'lost', error: message };
    }
    if (signal.aborted) {
      await runLog.finishAttempt(taskRunId, 'cancelled', { error: 'cancelled' });
      return { status: 'cancelled', error: message };
    }
    await runLog.finishAttempt(taskRunId, 'failed', { error: message });
    return { status: 'failed', error: message, retryable: !(error instanceof ConfigError) };
  }
}

/** Per-run shared resources, created on first use and disposed (newest first) when the run ends. */
export class Resources implements RunResources {
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

/** A task that failed its last attempt, as hooks (alerts) see it. */
export interface TaskFailure {
  runId: number;
  runDate: string;
  task: string;
  attempts: number;
  error: string;
}

/** What a run reports to hooks when it ends (whichever executor ran it). */
export interface RunEnd {
  runId: number;
  runDate: string;
  status: 'succeeded' | 'partial' | 'failed' | 'cancelled';
  /** Why a 'partial' run is incomplete. */
  partial?: string;
}

/**
 * Optional observers of a run (alerts use them). A hook that throws is logged and ignored:
 * observing a run must never change its outcome.
 */
export interface RunHooks {
  taskFailed?(failure: TaskFailure): Promise<void>;
  runFinished?(end: RunEnd): Promise<void>;
}

export async function callHook<K extends keyof RunHooks>(
  hooks: RunHooks | undefined,
  name: K,
  event: Parameters<NonNullable<RunHooks[K]>>[0],
  log: Logger,
): Promise<void> {
  const hook = hooks?.[name] as ((event: unknown) => Promise<void>) | undefined;
  if (!hook) return;
  try {
    await hook.call(hooks, event);
  } catch (error) {
    log.warn({ hook: name, err: errorMessage(error) }, `run hook ${name} failed (ignored)`);
  }
}
