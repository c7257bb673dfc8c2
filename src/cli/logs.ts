import type { Command } from 'commander';
import pino from 'pino';
import { parseRunDate } from '../common/dates.ts';
import { ConfigError } from '../common/errors.ts';
import { loadSettings } from '../config/settings.ts';
import { type LogFilter, logStats, readLogs } from '../orchestrator/log-query.ts';
import { printTable } from './context.ts';

interface LogsOptions {
  run?: string;
  date?: string;
  task?: string;
  level?: string;
  grep?: string;
  json?: boolean;
}

function filterOf(options: LogsOptions): LogFilter {
  if (options.run !== undefined && !/^\d+$/.test(options.run))
    throw new ConfigError('--run must be a run id');
  return {
    run: options.run === undefined ? undefined : Number(options.run),
    date: options.date === undefined ? undefined : parseRunDate(options.date),
    task: options.task,
    level: options.level,
    grep: options.grep,
  };
}

const withFilters = (command: Command) =>
  command
    .option('--run <id>', 'one run')
    .option('--date <YYYY-MM-DD>', 'the runs of one run date')
    .option('--task <name>', 'one task')
    .option('--level <level>', 'this level and up: trace, debug, info, warn, error');

export function registerLogsCommands(program: Command): void {
  const logs = withFilters(
    program
      .command('logs')
      .description('Read the kept run logs (<state>/logs/<date>/run-<id>.jsonl) with DuckDB, oldest first'),
  )
    .option('--grep <text>', 'messages or errors containing this text (any case)')
    .option('--json', 'the records as JSON lines')
    .action(async (options: LogsOptions) => {
      const records = await readLogs(loadSettings(), filterOf(options));
      if (options.json) {
        for (const record of records) process.stdout.write(`${JSON.stringify(record)}\n`);
        return;
      }
      printTable(
        records.map((r) => ({
          time: new Date(Number(r.time)).toISOString(),
          level: pino.levels.labels[Number(r.level)] ?? r.level,
          run: r.runId,
          task: r.task,
          msg: r.err === undefined ? r.msg : `${r.msg}: ${String(r.err).split('\n')[0]}`,
        })),
      );
    });
  withFilters(
    logs
      .command('stats')
      .description(
        'Across the kept run logs: records per task and level, slowest steps, most frequent warnings',
      ),
  )
    .option('--json', 'the figures as one JSON object')
    .action(async (_options: LogsOptions, command: Command) => {
      // The filters may be parsed as options of `logs` or of `logs stats`: either way here.
      const options = command.optsWithGlobals<LogsOptions>();
      const stats = await logStats(loadSettings(), filterOf(options));
      if (options.json) {
        console.log(JSON.stringify(stats));
        return;
      }
      console.log('Records per task and level');
      printTable(stats.levels);
      console.log('\nSlowest steps');
      printTable(stats.slowest);
      console.log('\nMost frequent warnings and errors');
      printTable(stats.warnings);
    });
}
