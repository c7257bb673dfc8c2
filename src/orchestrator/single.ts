import { addDays } from '../common/dates.ts';
import { ConfigError } from '../common/errors.ts';
import { selectTasks, type Task, type TaskGraph } from './graph.ts';
import { type RunOptions, type RunSummary, runGraph } from './runner.ts';

/**
 * The named task alone, as a one-task graph: what `gourmand task run` executes when an outer
 * scheduler (Airflow) has already run its upstream tasks.
 */
export function standaloneTask(graph: TaskGraph, name: string): Task {
  const [task] = selectTasks(graph, [name], false);
  return {
    name: task!.name,
    dependsOn: [],
    description: task!.description,
    attempts: task!.attempts,
    run: (ctx) => task!.run(ctx),
  };
}

/** Every date from `from` to `to` inclusive, in order. */
export function dateRange(from: string, to: string): string[] {
  if (from > to) throw new ConfigError(`Invalid range: --from ${from} is after --to ${to}`);
  const dates: string[] = [];
  for (let date = from; date <= to; date = addDays(date, 1)) dates.push(date);
  return dates;
}

export interface BackfillOptions extends Omit<RunOptions, 'runDate'> {
  from: string;
  to: string;
  /** Run the remaining dates after a failed one (default: stop, since later dates build on it). */
  continueOnFailure?: boolean;
  /** Runs one date; default the in-process runner. */
  runDate?: (options: RunOptions) => Promise<RunSummary>;
}

/**
 * Runs the graph for each date of the range, oldest first. A partial date (quota) goes on to the
 * next: the coverage ledger carries its missing counties into the next pull.
 */
export async function backfill(options: BackfillOptions): Promise<RunSummary[]> {
  const { from, to, continueOnFailure, runDate: execute = runGraph, ...run } = options;
  const summaries: RunSummary[] = [];
  for (const date of dateRange(from, to)) {
    const summary = await execute({ ...run, runDate: date });
    summaries.push(summary);
    if (summary.status === 'cancelled') break;
    if (summary.status === 'failed' && !continueOnFailure) {
      run.log.error(`backfill stopped at ${date}: ${summary.status}`);
      break;
    }
  }
  return summaries;
}
