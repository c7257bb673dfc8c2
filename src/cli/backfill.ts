import type { Command } from 'commander';
import { parseRunDate } from '../common/dates.ts';
import { executorFor, loadGraph, parseExecutor } from '../orchestrator/execute.ts';
import { backfill, dateRange } from '../orchestrator/single.ts';
import { alertHooks } from '../quality/alerts.ts';
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
      .option('--continue-on-failure', 'go on with the next dates after a failed one'),
  ).action(
    async (
      options: { from: string; to: string; executor: string; continueOnFailure?: boolean; graph?: string },
      command: Command,
    ) => {
      const from = parseRunDate(options.from, '--from');
      const to = parseRunDate(options.to, '--to');
      dateRange(from, to);
      const execute = executorFor(parseExecutor(options.executor));
      const summaries = await withPipeline(
        command,
        await loadGraph(options.graph),
        async ({ settings, log, database, graph }) => {
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
        },
      );
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
