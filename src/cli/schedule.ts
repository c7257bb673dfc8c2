import type { Command } from 'commander';
import { executorFor, loadGraph, parseExecutor } from '../orchestrator/execute.ts';
import { Scheduler } from '../orchestrator/scheduler.ts';
import { alertHooks } from '../quality/alerts.ts';
import { liveSources } from '../sources/endpoints.ts';
import { cancelOnSignal, graphOption, withPipeline } from './pipeline-options.ts';

export function registerScheduleCommand(program: Command): void {
  graphOption(
    program
      .command('schedule')
      .description(
        'Run the daily pipeline at SCHEDULE_CRON (SCHEDULE_TZ), catching up to SCHEDULE_CATCHUP_DAYS missed dates; runs until stopped',
      )
      .option('--executor <name>', 'in-process or bullmq', 'in-process'),
  ).action(async (options: { executor: string; graph?: string }, command: Command) => {
    const execute = executorFor(parseExecutor(options.executor));
    await withPipeline(
      command,
      await loadGraph(options.graph),
      async ({ settings, log, database, graph }) => {
        const stop = cancelOnSignal(log);
        const hooks = alertHooks(settings, database, log);
        const scheduler = new Scheduler({
          settings,
          database,
          log,
          runDate: (runDate) =>
            execute({ graph, runDate, settings, database, log, hooks, signal: stop.signal }),
          liveSources: liveSources(settings),
        });
        log.info(
          { cron: settings.scheduleCron, timezone: settings.scheduleTimezone },
          `scheduler started: "${settings.scheduleCron}" ${settings.scheduleTimezone}`,
        );
        try {
          await scheduler.start(stop.signal);
        } finally {
          stop.dispose();
        }
        log.info('scheduler stopped');
      },
    );
  });
}
