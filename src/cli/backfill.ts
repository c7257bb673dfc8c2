import type { Command } from 'commander';
import { parseRunDate } from '../common/dates.ts';
import { ConfigError } from '../common/errors.ts';
import { executorFor, loadGraph, parseExecutor } from '../orchestrator/execute.ts';
import { backfill, dateRange } from '../orchestrator/single.ts';
import { alertHooks } from '../quality/alerts.ts';
import { replayTasks } from '../sources/tasks.ts';
import { printTable } from './context.ts';
import { cancelOnSignal, graphOption, withPipeline } from './pipeline-options.ts';

export function registerBackfillCommand(program: Command): void {
  graphOption(
    program
      .command('backfill')
      .description(
        'Run the pipeline for every date of a range, oldest first; stops at the first failed date (a partial one does not stop it; running the range again resumes it)',
      )
      .requiredOption('--from <YYYY-MM-DD>', 'first date')
      .requiredOption('--to <YYYY-MM-DD>', 'last date (inclusive)')
      .option('--executor <name>', 'in-process or bullmq', 'in-process')
      .option('--continue-on-failure', 'go on with the next dates after a failed one')
      .option('--from-raw', 'rebuild from the raw pulls kept for each date; never call the APIs'),
  ).action(
    async (
      options: {
        from: string;
        to: string;
        executor: string;
        continueOnFailure?: boolean;
        fromRaw?: boolean;
        graph?: string;
      },
      command: Command,
    ) => {
      const from = parseRunDate(options.from, '--from');
      const to = parseRunDate(options.to, '--to');
      dateRange(from, to);
      const execute = executorFor(parseExecutor(options.executor));
      if (options.fromRaw && options.executor !== 'in-process') {
        throw new ConfigError(
          '--from-raw runs in-process: workers run their own graph, which calls the APIs',
        );
      }
      const loaded = await loadGraph(options.graph);
      // Live APIs only tell today's state: past dates come back only from what was kept.
      const replay = new Map(replayTasks.map((task) => [task.name, task]));
      const graph = options.fromRaw ? loaded.map((task) => replay.get(task.name) ?? task) : loaded;
      const summaries = await withPipeline(command, graph, async ({ settings, log, database, graph }) => {
        const cancel = cancelOnSignal(log);
        try {
          return await backfill({
            graph,
            from,
            to,
            settings,
            database,
            log,
            signal: cancel.signal,
            continueOnFailure: options.continueOnFailure,
            runDate: execute,
            hooks: alertHooks(settings, database, log),
          });
        } finally {
          cancel.dispose();
        }
      });
      printTable(
        summaries.map((s) => ({
          date: s.runDate,
          run: s.runId,
          status: s.status,
          seconds: (s.durationMs / 1000).toFixed(1),
        })),
      );
      const last = summaries.at(-1);
      if (last?.status === 'cancelled') process.exitCode = 130;
      else if (summaries.some((s) => s.status === 'failed')) process.exitCode = 1;
      else if (summaries.some((s) => s.status === 'partial')) process.exitCode = 3;
    },
  );
}
