import { setTimeout as sleep } from 'node:timers/promises';
import { FlowProducer, type Job, type JobsOptions, Queue, UnrecoverableError, Worker } from 'bullmq';
import { CancelledError, ConfigError } from '../common/errors.ts';
import type { Logger } from '../common/logger.ts';
import { throttledLog } from '../common/throttled-log.ts';
import type { Settings } from '../config/settings.ts';
import type { SourceDatabase } from '../oltp/database.ts';
import { callHook, Resources, type RunHooks, runAttempt } from './attempt.ts';
import { type Task, type TaskGraph, validateGraph } from './graph.ts';
import { openRunLogFile } from './log-files.ts';
import { RunLog } from './run-log.ts';
import { partialReason, type RunSummary, type TaskSummary } from './runner.ts';

/**
 * Distributed runs on BullMQ. A run is a flow: a parent job on the runs queue whose children are
 * the run's task jobs. Only the graph's roots are submitted; a worker that finishes a task adds
 * each dependent whose dependencies have all succeeded (job ids are deterministic, so two workers
 * racing to add the same dependent add it once). When the last child settles, the parent job
 * becomes ready and a worker closes the run. The run history in ops is the source of truth for
 * what succeeded, so any worker on any host can continue any run.
 */
const TASK_QUEUE = 'tasks';
const RUN_QUEUE = 'runs';

interface TaskJobData {
  runId: number;
  runDate: string;
  task: string;
}

interface RunJobData {
  runId: number;
  runDate: string;
}

type QueueSettings = Pick<Settings, 'redisUrl' | 'queuePrefix' | 'taskAttempts' | 'taskBackoffMs'>;

function connection(settings: QueueSettings) {
  if (!settings.redisUrl) {
    throw new ConfigError('The bullmq executor needs REDIS_URL (e.g. redis://127.0.0.1:6379/0)');
  }
  return { url: settings.redisUrl, maxRetriesPerRequest: null };
}

const WEEK_SECONDS = 7 * 24 * 3600;

function taskJob(task: Task, run: RunJobData, settings: QueueSettings) {
  const opts: JobsOptions = {
    jobId: `${run.runId}-${task.name}`,
    attempts: task.attempts ?? settings.taskAttempts,
    backoff: { type: 'exponential', delay: settings.taskBackoffMs, jitter: 0.5 },
    // A task that fails for good still lets the run's parent job close the run.
    ignoreDependencyOnFailure: true,
    // Kept a week so a late duplicate add of the same task is recognised and ignored.
    removeOnComplete: { age: WEEK_SECONDS },
    removeOnFail: { age: WEEK_SECONDS },
  };
  const data: TaskJobData = { ...run, task: task.name };
  return { name: task.name, queueName: TASK_QUEUE, data, opts };
}

export interface SubmitOptions {
  graph: TaskGraph;
  runDate: string;
  settings: Settings;
  database: SourceDatabase;
}

/** Records a new run and submits its flow; workers do the rest. Returns the run id. */
export async function submitRun(options: SubmitOptions): Promise<number> {
  const { settings, database, runDate } = options;
  const roots = validateGraph(options.graph).filter((task) => task.dependsOn.length === 0);
  const runId = await new RunLog(database.db).startRun(runDate, 'bullmq', false);
  const run: RunJobData = { runId, runDate };
  const flow = new FlowProducer({ connection: connection(settings), prefix: settings.queuePrefix });
  try {
    await flow.add({
      name: 'run',
      queueName: RUN_QUEUE,
      data: run,
      opts: { jobId: `run-${runId}`, removeOnComplete: { age: WEEK_SECONDS } },
      children: roots.map((task) => taskJob(task, run, settings)),
    });
  } finally {
    await flow.close();
  }
  return runId;
}

interface TaskRow {
  task_name: string;
  attempt: number;
  status: TaskSummary['status'] | 'running';
  rows: number | null;
  error: string | null;
  partial: string | null;
  started_at: Date;
  ended_at: Date | null;
}

async function taskRows(database: SourceDatabase, runId: number): Promise<TaskRow[]> {
  return database.db
    .selectFrom('ops.task_run')
    .select(['task_name', 'attempt', 'status', 'rows', 'error', 'partial', 'started_at', 'ended_at'])
    .where('run_id', '=', runId)
    .orderBy('task_name')
    .orderBy('attempt')
    .execute() as Promise<TaskRow[]>;
}

/** Per task: its latest attempt decides; a success in any attempt means it succeeded. */
function summarise(order: Task[], rows: TaskRow[]): Record<string, TaskSummary> {
  const tasks: Record<string, TaskSummary> = {};
  for (const task of order) {
    const mine = rows.filter((row) => row.task_name === task.name);
    const success = mine.find((row) => row.status === 'succeeded');
    const last = success ?? mine.at(-1);
    const start = mine[0]?.started_at.getTime();
    const end = last?.ended_at?.getTime();
    tasks[task.name] = {
      status: !last || last.status === 'running' ? 'pending' : last.status,
      attempts: mine.filter((row) => row.status !== 'skipped').length,
      rows: last?.rows ?? undefined,
      error: success ? undefined : (last?.error ?? undefined),
      partial: success?.partial ?? undefined,
      durationMs: start !== undefined && end !== undefined ? end - start : 0,
    };
  }
  return tasks;
}

export interface WorkerOptions {
  graph: TaskGraph;
  settings: Settings;
  database: SourceDatabase;
  log: Logger;
  hooks?: RunHooks;
  /** Task jobs run at once in this process (default settings.taskConcurrency). */
  concurrency?: number;
  /** How long a job's lock lives without renewal: a dead worker's job is taken over after it. */
  lockDurationMs?: number;
  /** How often this worker looks for stalled jobs (of dead workers). */
  stalledIntervalMs?: number;
}

export interface GraphWorker {
  close(): Promise<void>;
}

/** Consumes the task and run queues until closed. */
export async function startWorker(options: WorkerOptions): Promise<GraphWorker> {
  const { settings, database, log, hooks } = options;
  const order = validateGraph(options.graph);
  const byName = new Map(order.map((task) => [task.name, task]));
  const dependents = new Map(
    order.map((task) => [task.name, order.filter((t) => t.dependsOn.includes(task.name))]),
  );
  const runLog = new RunLog(database.db);
  const conn = connection(settings);
  const prefix = settings.queuePrefix;
  const runsQueue = new Queue(RUN_QUEUE, { connection: conn, prefix });
  const tasksQueue = new Queue(TASK_QUEUE, { connection: conn, prefix });
  const common = {
    connection: conn,
    prefix,
    lockDuration: options.lockDurationMs ?? 30_000,
    stalledInterval: options.stalledIntervalMs ?? 30_000,
    maxStalledCount: 2,
  };

  const succeeded = async (runId: number) => {
    const rows = await database.db
      .selectFrom('ops.task_run')
      .select('task_name')
      .where('run_id', '=', runId)
      .where('status', '=', 'succeeded')
      .execute();
    return new Set(rows.map((row) => row.task_name));
  };

  const enqueueReadyDependents = async (task: Task, run: RunJobData) => {
    const done = await succeeded(run.runId);
    for (const next of dependents.get(task.name) ?? []) {
      if (!next.dependsOn.every((dep) => done.has(dep))) continue;
      const job = taskJob(next, run, settings);
      await tasksQueue.add(job.name, job.data, {
        ...job.opts,
        parent: { id: `run-${run.runId}`, queue: runsQueue.qualifiedName },
      });
    }
  };

  /**
   * Dependents (transitively) of a task that failed for good are recorded as skipped, once: a task
   * below two failed upstreams (or reached by two workers at once) keeps its first record.
   */
  const skipDownstream = async (task: Task, run: RunJobData) => {
    const recorded = new Set((await taskRows(database, run.runId)).map((row) => row.task_name));
    const visit = async (name: string) => {
      for (const next of dependents.get(name) ?? []) {
        if (recorded.has(next.name)) continue;
        recorded.add(next.name);
        await runLog
          .recordSkipped(run.runId, next.name, `upstream task ${name} did not succeed`)
          .catch((error) => log.debug({ err: String(error) }, `${next.name} was already recorded`));
        await visit(next.name);
      }
    };
    await visit(task.name);
  };

  const processTask = async (job: Job<TaskJobData>, _token?: string, signal?: AbortSignal) => {
    const { runId, runDate } = job.data;
    const task = byName.get(job.data.task);
    if (!task) throw new ConfigError(`This worker's graph has no task "${job.data.task}"`);
    const taskLog = log.child({ runId, runDate, task: task.name, job: job.id });
    // Each worker keeps the lines of the tasks it runs, one file per task of the run.
    const logFile = openRunLogFile(settings, database, { runId, runDate, task: task.name });
    try {
      return await runTaskJob(job, task, taskLog, signal);
    } finally {
      await logFile.close();
    }
  };

  const runTaskJob = async (job: Job<TaskJobData>, task: Task, taskLog: Logger, signal?: AbortSignal) => {
    const { runId, runDate } = job.data;
    const rows = await taskRows(database, runId);
    const mine = rows.filter((row) => row.task_name === task.name);
    // A worker that died after recording success: nothing to redo, only the hand-over to finish.
    if (mine.some((row) => row.status === 'succeeded')) {
      await enqueueReadyDependents(task, job.data);
      return;
    }
    // An attempt left 'running' belongs to a worker that died (BullMQ gave us its stalled job).
    await database.db
      .updateTable('ops.task_run')
      .set({ status: 'failed', ended_at: new Date(), error: 'worker lost (job stalled and was taken over)' })
      .where('run_id', '=', runId)
      .where('task_name', '=', task.name)
      .where('status', '=', 'running')
      .execute();
    // Resources (an open DuckDB file, ...) are released before dependents are enqueued: the next
    // task may start at once in another process and need them.
    const resources = new Resources();
    const result = await runAttempt({
      task,
      runId,
      runDate,
      attempt: (mine.at(-1)?.attempt ?? 0) + 1,
      settings,
      database,
      log: taskLog,
      signal: signal ?? new AbortController().signal,
      resources,
      runLog,
    }).finally(() => resources.disposeAll(taskLog));
    if (result.status === 'succeeded') {
      taskLog.info({ event: 'task_succeeded', rows: result.outcome?.rows }, `${task.name} succeeded`);
      await enqueueReadyDependents(task, job.data);
      return result.outcome?.rows ?? null;
    }
    // Fenced off: the worker that took the job over owns the task's record and hand-over now.
    if (result.status === 'lost') throw new Error(result.error);
    const retryable = result.status !== 'failed' || result.retryable;
    const finalAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1) || !retryable;
    if (finalAttempt) {
      taskLog.error(
        { event: 'task_failed', err: result.error },
        `${task.name} failed after ${job.attemptsMade + 1} attempt(s)`,
      );
      await skipDownstream(task, job.data);
      await callHook(
        hooks,
        'taskFailed',
        { runId, runDate, task: task.name, attempts: job.attemptsMade + 1, error: result.error },
        taskLog,
      );
    } else {
      taskLog.warn({ err: result.error }, `${task.name} failed; BullMQ retries it with backoff`);
    }
    // A bad setting fails for good at once: BullMQ does not retry an UnrecoverableError.
    throw retryable ? new Error(result.error) : new UnrecoverableError(result.error);
  };

  /** Runs when every task job of the run has settled: the run's outcome comes from ops.task_run. */
  const processRun = async (job: Job<RunJobData>) => {
    const { runId, runDate } = job.data;
    const tasks = summarise(order, await taskRows(database, runId));
    const failed = Object.entries(tasks)
      .filter(([, t]) => t.status === 'failed')
      .map(([name]) => name);
    const partial = partialReason(tasks);
    const status = failed.length > 0 ? 'failed' : partial ? 'partial' : 'succeeded';
    await runLog.finishRun(runId, status, failed.length > 0 ? `failed tasks: ${failed.join(', ')}` : partial);
    log.info({ runId, status }, `run ${runId} ${status}`);
    await callHook(hooks, 'runFinished', { runId, runDate, status, partial }, log);
  };

  const tasksWorker = new Worker<TaskJobData>(TASK_QUEUE, processTask, {
    ...common,
    concurrency: options.concurrency ?? settings.taskConcurrency,
  });
  const runsWorker = new Worker<RunJobData>(RUN_QUEUE, processRun, common);
  // While Redis is down every connection errors on each reconnect attempt: log with backoff.
  const errors = throttledLog((message, suppressed) =>
    log.error({ err: message, suppressed }, 'queue worker error (repeats are held back with backoff)'),
  );
  const onError = (error: Error) => errors.failed(error.message);
  tasksWorker.on('error', onError);
  runsWorker.on('error', onError);
  tasksQueue.on('error', onError);
  runsQueue.on('error', onError);
  tasksWorker.on('ready', () => errors.recovered());
  await Promise.all([tasksWorker.waitUntilReady(), runsWorker.waitUntilReady()]);
  log.info({ prefix, concurrency: options.concurrency ?? settings.taskConcurrency }, 'worker ready');
  return {
    async close() {
      await Promise.all([tasksWorker.close(), runsWorker.close()]);
      await Promise.all([tasksQueue.close(), runsQueue.close()]);
    },
  };
}

export interface FollowOptions {
  graph: TaskGraph;
  runId: number;
  database: SourceDatabase;
  log: Logger;
  signal?: AbortSignal;
  pollMs?: number;
}

/** Waits for a submitted run to end, logging progress as tasks settle; returns its summary. */
export async function followRun(options: FollowOptions): Promise<RunSummary> {
  const { database, runId, log } = options;
  const order = validateGraph(options.graph);
  let reported = '';
  for (;;) {
    const run = await database.db
      .selectFrom('ops.pipeline_run')
      .select(['run_date', 'status', 'started_at', 'ended_at'])
      .where('run_id', '=', runId)
      .executeTakeFirstOrThrow();
    const tasks = summarise(order, await taskRows(database, runId));
    const settled = Object.values(tasks).filter((t) => t.status !== 'pending').length;
    const progress = `${settled}/${order.length}`;
    if (progress !== reported) {
      reported = progress;
      log.info({ runId, settled, total: order.length }, `run ${runId}: ${progress} tasks settled`);
    }
    if (run.status !== 'running') {
      return {
        runId,
        runDate: run.run_date,
        status: run.status,
        tasks,
        durationMs: (run.ended_at ?? new Date()).getTime() - run.started_at.getTime(),
      };
    }
    if (options.signal?.aborted) {
      throw new CancelledError(`Stopped following run ${runId}; it goes on on the workers`);
    }
    await sleep(options.pollMs ?? 250, undefined, { signal: options.signal }).catch(() => {});
  }
}
