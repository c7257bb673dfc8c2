import { ValidationError } from '../common/errors.ts';
import type { Logger } from '../common/logger.ts';
import type { SettingKey, Settings } from '../config/settings.ts';
import type { SourceDatabase } from '../oltp/database.ts';

/**
 * Resources shared by the tasks of one run in one process (a simulator started once, an
 * open warehouse connection, …). Created on first use; disposed when the run ends.
 */
export interface RunResources {
  get<T>(key: string, create: () => Promise<{ value: T; dispose?: () => Promise<void> }>): Promise<T>;
}

/** Runs SQL inside the caller's open transaction (a load's LoadSession is one). */
export interface SqlRunner {
  query<T>(text: string, params?: unknown[]): Promise<T[]>;
}

export interface TaskContext {
  /** The run date, 'YYYY-MM-DD': every stage works for this date, idempotently. */
  readonly runDate: string;
  readonly runId: number;
  readonly attempt: number;
  readonly settings: Settings;
  readonly database: SourceDatabase;
  readonly log: Logger;
  /**
   * Aborted on cancellation (Ctrl-C); long tasks should stop promptly by throwing. A task that
   * returns anyway is recorded as succeeded: its work stands.
   */
  readonly signal: AbortSignal;
  readonly resources: RunResources;
  /**
   * Throws unless this attempt still holds the task's lease (another worker took over a stalled
   * one). Call it inside the committing transaction, just before commit — `await ctx.fence(session)`
   * — so a worker that lost the task never commits; without `tx`, before publishing other work.
   */
  readonly fence: (tx?: SqlRunner) => Promise<void>;
}

export interface TaskOutcome {
  /** Rows written (or read) by the task, recorded in ops.task_run. */
  rows?: number;
  /** Facts for the run summary a person reads (calls made, rows per table, quarantined, …). */
  details?: Record<string, number | string>;
  /** Why the result is incomplete (a pull stopped by the quota): the run ends 'partial'. */
  partial?: string;
}

export interface Task {
  readonly name: string;
  readonly dependsOn: readonly string[];
  readonly description?: string;
  /** Overrides the run's attempts for this task. */
  readonly attempts?: number;
  /**
   * Settings it reads beyond the state folder and the source database (which every task reads):
   * what an outer scheduler (the Airflow DAG) documents for its workers.
   */
  readonly needs?: readonly SettingKey[];
  /**
   * Runs even when the run was cancelled, once its upstreams succeeded: bookkeeping that must follow
   * committed work (dropping the API cache after a load).
   */
  readonly evenIfCancelled?: boolean;
  run(ctx: TaskContext): Promise<TaskOutcome | undefined>;
}

export type TaskGraph = readonly Task[];

/** Checks names are unique, dependencies exist and there is no cycle; returns a topological order. */
export function validateGraph(graph: TaskGraph): Task[] {
  const byName = new Map<string, Task>();
  for (const task of graph) {
    if (byName.has(task.name)) throw new ValidationError(`Task graph: duplicate task "${task.name}"`);
    byName.set(task.name, task);
  }
  for (const task of graph) {
    for (const dep of task.dependsOn) {
      if (!byName.has(dep))
        throw new ValidationError(`Task graph: "${task.name}" depends on unknown task "${dep}"`);
    }
  }
  const order: Task[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (task: Task, trail: string[]) => {
    const seen = state.get(task.name);
    if (seen === 'done') return;
    if (seen === 'visiting') {
      throw new ValidationError(`Task graph: cycle ${[...trail, task.name].join(' -> ')}`);
    }
    state.set(task.name, 'visiting');
    for (const dep of task.dependsOn) visit(byName.get(dep)!, [...trail, task.name]);
    state.set(task.name, 'done');
    order.push(task);
  };
  for (const task of graph) visit(task, []);
  return order;
}

/** The sub-graph of the named tasks and (optionally) everything they need. */
export function selectTasks(graph: TaskGraph, names: readonly string[], withUpstream: boolean): Task[] {
  const byName = new Map(graph.map((task) => [task.name, task]));
  const wanted = new Set<string>();
  const add = (name: string) => {
    const task = byName.get(name);
    if (!task) throw new ValidationError(`Unknown task "${name}" (tasks: ${[...byName.keys()].join(', ')})`);
    if (wanted.has(name)) return;
    wanted.add(name);
    if (withUpstream) for (const dep of task.dependsOn) add(dep);
  };
  for (const name of names) add(name);
  return validateGraph(graph).filter((task) => wanted.has(task.name));
}
