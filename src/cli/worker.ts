import type { Command } from 'commander';
import { ConfigError } from '../common/errors.ts';
import { pingRedis } from '../common/probes.ts';
import { loadSettings } from '../config/settings.ts';
import { startWorker } from '../orchestrator/bullmq.ts';
import { loadGraph } from '../orchestrator/execute.ts';
import { alertHooks } from '../quality/alerts.ts';
import { cancelOnSignal, graphOption, withPipeline } from './pipeline-options.ts';

const positive = (flag: string, value: string | undefined) => {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new ConfigError(`Invalid ${flag} "${value}": expected a positive whole number`);
  return n;
};

export function registerWorkerCommand(program: Command): void {
  graphOption(
    program
      .command('worker')
      .description(
        'Run pipeline tasks from the BullMQ queues on REDIS_URL until stopped (any number, any host)',
      )
      .option('--concurrency <n>', 'task jobs at once in this process (default TASK_CONCURRENCY)')
      .option('--lock-duration-ms <ms>', "a dead worker's job is taken over after this long", '30000')
      .option('--stalled-interval-ms <ms>', 'how often to look for jobs of dead workers', '30000'),
  ).action(
    async (
      options: { concurrency?: string; lockDurationMs: string; stalledIntervalMs: string; graph?: string },
      command: Command,
    ) => {
      // A worker without its queues is of no use: say so in one line instead of retrying forever.
      const { redisUrl } = loadSettings();
      if (redisUrl) await pingRedis(redisUrl, 5000);
      await withPipeline(
        command,
        await loadGraph(options.graph),
        async ({ settings, log, database, graph }) => {
          if (database.kind !== 'postgres') {
            throw new ConfigError(
              'gourmand worker needs DATABASE_URL (a PostgreSQL server that every worker shares); the embedded database is one process only',
            );
          }
          const worker = await startWorker({
            graph,
            settings,
            database,
            log,
            hooks: alertHooks(settings, database, log),
            concurrency: positive('--concurrency', options.concurrency),
            lockDurationMs: positive('--lock-duration-ms', options.lockDurationMs),
            stalledIntervalMs: positive('--stalled-interval-ms', options.stalledIntervalMs),
          });
          const stop = cancelOnSignal(log);
          await new Promise((resolve) => stop.signal.addEventListener('abort', resolve, { once: true }));
          stop.dispose();
          // Lets running jobs finish (a second Ctrl-C exits at once; their jobs are then taken over).
          await worker.close();
          log.info('worker stopped');
        },
      );
    },
  );
}
