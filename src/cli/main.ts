import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { explainSystemError, GourmandError } from '../common/errors.ts';
import { redactSecrets } from '../common/redact.ts';
import { closeCliContexts } from './closers.ts';

// `gourmand … | head`: once the reader has gone, nobody wants the rest; leave quietly (exit 0), as
// Unix tools do, instead of an unhandled EPIPE stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const program = new Command('gourmand')
  .description('Gourmand: public APIs to a tested warehouse, an API and dashboards')
  .version(
    (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string })
      .version,
    '-V, --version',
  )
  .option('-v, --verbose', 'debug logs, and stack traces on errors')
  .option('-q, --quiet', 'only warnings and errors in the logs')
  .option('--log-format <format>', 'json: JSON lines on the console even on a terminal')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

type Register = (program: Command) => void;

/**
 * Each top-level command and the module that declares it, in the order `--help` lists them. Only the
 * command asked for is loaded: loading them all (DuckDB, PGlite, BullMQ, the AWS and Elasticsearch
 * clients…) cost seconds before any command ran. `--help`, no command or an unknown one loads all.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  db: async () => (await import('./db.ts')).registerDbCommands,
  lake: async () => (await import('./lake.ts')).registerLakeCommands,
  warehouse: async () => (await import('./warehouse.ts')).registerWarehouseCommands,
  cdc: async () => (await import('./cdc.ts')).registerCdcCommands,
  start: async () => (await import('./start.ts')).registerStartCommand,
  run: async () => (await import('./run.ts')).registerRunCommand,
  config: async () => (await import('./config.ts')).registerConfigCommand,
  serve: async () => (await import('./serve.ts')).registerServeCommand,
  task: async () => (await import('./task.ts')).registerTaskCommands,
  backfill: async () => (await import('./backfill.ts')).registerBackfillCommand,
  worker: async () => (await import('./worker.ts')).registerWorkerCommand,
  schedule: async () => (await import('./schedule.ts')).registerScheduleCommand,
  airflow: async () => (await import('./airflow.ts')).registerAirflowCommands,
  status: async () => (await import('./status.ts')).registerStatusCommand,
  report: async () => (await import('./report.ts')).registerReportCommand,
  sim: async () => (await import('./sim.ts')).registerSimCommands,
  analyze: async () => (await import('./analyze.ts')).registerAnalyzeCommand,
  doctor: async () => (await import('./doctor.ts')).registerDoctorCommand,
  logs: async () => (await import('./logs.ts')).registerLogsCommands,
};

/** The command word of argv: the first argument that is neither an option nor an option's value. */
function commandWord(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--log-format') i++;
    else if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}

const asked = commandWord(process.argv.slice(2));
const load = asked !== undefined ? COMMANDS[asked] : undefined;
for (const register of await Promise.all(load ? [load()] : Object.values(COMMANDS).map((l) => l())))
  register(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander already printed its message (or the help); keep its exit code, 0 for --help.
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else {
    const verbose = process.argv.includes('--verbose') || process.argv.includes('-v');
    const explained = explainSystemError(error);
    const known = error instanceof GourmandError || explained !== undefined;
    console.error(
      redactSecrets(`error: ${explained ?? (error instanceof Error ? error.message : String(error))}`),
    );
    if (verbose && error instanceof Error) console.error(redactSecrets(error.stack ?? ''));
    else if (!known) console.error('(run with --verbose for the stack trace)');
    process.exitCode = error instanceof GourmandError ? error.exitCode : 1;
  }
} finally {
  await closeCliContexts();
}
