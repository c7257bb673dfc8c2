import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../common/errors.ts';
import { followRun, submitRun } from './bullmq.ts';
import type { TaskGraph } from './graph.ts';
import { dailyGraph } from './pipeline.ts';
import { type RunOptions, type RunSummary, runGraph } from './runner.ts';

export const EXECUTORS = ['in-process', 'bullmq'] as const;
export type ExecutorName = (typeof EXECUTORS)[number];

/** Runs one date of a graph and returns its summary, whichever executor does the work. */
export type Execute = (options: RunOptions) => Promise<RunSummary>;

export function parseExecutor(value: string): ExecutorName {
  if ((EXECUTORS as readonly string[]).includes(value)) return value as ExecutorName;
  throw new ConfigError(`Invalid --executor "${value}": expected one of ${EXECUTORS.join(', ')}`);
}

/**
 * in-process: this process runs the tasks (and its hooks alert). bullmq: the run is submitted as a
 * flow and followed to its end; the workers run the tasks and alert.
 */
export function executorFor(name: ExecutorName): Execute {
  if (name === 'in-process') return runGraph;
  return async (options) => {
    if (options.database.kind !== 'postgres') {
      throw new ConfigError(
        'The bullmq executor needs DATABASE_URL (the PostgreSQL server the workers use); the embedded database is one process only',
      );
    }
    const runId = await submitRun(options);
    return followRun({ ...options, runId });
  };
}

/**
 * The daily graph, or the graph a module exports (`export function graph()` or a default export):
 * for a custom pipeline, and for tests and benchmarks. Workers and submitters must load the same.
 */
export async function loadGraph(modulePath?: string): Promise<TaskGraph> {
  if (!modulePath) return dailyGraph();
  const module = (await import(pathToFileURL(path.resolve(modulePath)).href)) as {
    graph?: () => TaskGraph | Promise<TaskGraph>;
    default?: TaskGraph;
  };
  const graph = module.graph ? await module.graph() : module.default;
  if (!Array.isArray(graph)) {
    throw new ConfigError(
      `--graph ${modulePath}: the module exports neither graph() nor a default task list`,
    );
  }
  return graph;
}
