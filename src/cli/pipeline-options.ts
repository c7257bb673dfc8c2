import type { Command } from 'commander';
import type { Logger } from '../common/logger.ts';
import type { Settings } from '../config/settings.ts';
import type { SourceDatabase } from '../oltp/database.ts';
import { migrate } from '../oltp/migrate.ts';
import type { TaskGraph } from '../orchestrator/graph.ts';
import { cliContext, withDatabase } from './context.ts';

export interface PipelineContext {
  settings: Settings;
  log: Logger;
  database: SourceDatabase;
  graph: TaskGraph;
}

/** Adds `--graph <module>` (a custom task graph; default the daily pipeline). */
export function graphOption(command: Command): Command {
  return command.option(
    '--graph <module>',
    'load the task graph from this module (default: the daily pipeline)',
  );
}

/** Settings, logger, the migrated source database and the task graph for a pipeline command. */
export async function withPipeline<T>(
  command: Command,
  graph: TaskGraph,
  fn: (ctx: PipelineContext) => Promise<T>,
): Promise<T> {
  const { settings, log } = cliContext(command);
  return withDatabase(settings, async (database) => {
    // The run history lives in the database, so its schema must exist before a run starts.
    await migrate(database, { log });
    return fn({ settings, log, database, graph });
  });
}

/** An AbortSignal that the first SIGINT/SIGTERM aborts; a second SIGINT exits at once. */
export function cancelOnSignal(log: Logger): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const cancel = () => {
    log.warn('stopping (press Ctrl-C again to force)');
    controller.abort();
    process.once('SIGINT', () => process.exit(130));
  };
  process.once('SIGINT', cancel);
  process.once('SIGTERM', cancel);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', cancel);
      process.off('SIGTERM', cancel);
    },
  };
}
