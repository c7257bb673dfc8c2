import type { Command } from 'commander';
import { parseRunDate, todayUtc } from '../common/dates.ts';
import { ConfigError } from '../common/errors.ts';
import { loadGraph } from '../orchestrator/execute.ts';
import { validateGraph } from '../orchestrator/graph.ts';
import { runGraph } from '../orchestrator/runner.ts';
import { standaloneTask } from '../orchestrator/single.ts';
import { alertHooks } from '../quality/alerts.ts';
import { printTable } from './context.ts';
import { cancelOnSignal, graphOption, withPipeline } from './pipeline-options.ts';
import { printRunSummary } from './run.ts';

export function registerTaskCommands(program: Command): void {
  const task = program.command('task').description('Run or list single tasks of the pipeline graph');

  graphOption(
    task
      .command('run <task>')
      .description('Run one task for a date, without its upstream (what Airflow calls for each task)')
      .option('--date <YYYY-MM-DD>', 'run date', todayUtc())
      .option(
        '--attempts <n>',
        'attempts before failing (default 1: the caller, e.g. Airflow, retries)',
        '1',
      ),
  ).action(
    async (name: string, options: { date: string; attempts: string; graph?: string }, command: Command) => {
      const runDate = parseRunDate(options.date);
      const attempts = Number(options.attempts);
      if (!Number.isInteger(attempts) || attempts < 1 || attempts > 20) {
        throw new ConfigError(
          `Invalid --attempts "${options.attempts}": expected a whole number from 1 to 20`,
        );
      }
      const single = standaloneTask(await loadGraph(options.graph), name);
      const summary = await withPipeline(command, [single], async ({ settings, log, database }) => {
        const cancel = cancelOnSignal(log);
        try {
          return await runGraph({
            graph: [{ ...single, attempts }],
            runDate,
            settings,
            database,
            log,
            signal: cancel.signal,
            executor: 'task',
            // Task failures are the outer scheduler's to announce (it knows about its retries).
            hooks: alertHooks(settings, database, log, { taskFailures: false }),
          });
        } finally {
          cancel.dispose();
        }
      });
      printRunSummary(summary);
      if (summary.status === 'cancelled') process.exitCode = 130;
      else if (summary.status === 'failed') process.exitCode = 1;
    },
  );

  graphOption(task.command('list').description('List the tasks of the graph in dependency order'))
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean; graph?: string }) => {
      const rows = validateGraph(await loadGraph(options.graph)).map((t) => ({
        task: t.name,
        depends_on: t.dependsOn.join(', '),
        attempts: t.attempts ?? '',
        description: t.description ?? '',
      }));
      if (options.json) console.log(JSON.stringify(rows, null, 2));
      else printTable(rows);
    });
}
