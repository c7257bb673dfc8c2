import { Command, CommanderError } from 'commander';
import { GourmandError } from '../common/errors.ts';
import { redactSecrets } from '../common/redact.ts';
import { registerAirflowCommands } from './airflow.ts';
import { registerAnalyzeCommand } from './analyze.ts';
import { registerBackfillCommand } from './backfill.ts';
import { registerCdcCommands } from './cdc.ts';
import { registerConfigCommand } from './config.ts';
import { registerDbCommands } from './db.ts';
import { registerLakeCommands } from './lake.ts';
import { registerReportCommand } from './report.ts';
import { registerRunCommand } from './run.ts';
import { registerScheduleCommand } from './schedule.ts';
import { registerServeCommand } from './serve.ts';
import { registerSimCommands } from './sim.ts';
import { registerStartCommand } from './start.ts';
import { registerStatusCommand } from './status.ts';
import { registerTaskCommands } from './task.ts';
import { registerWarehouseCommands } from './warehouse.ts';
import { registerWorkerCommand } from './worker.ts';

const program = new Command('gourmand')
  .description('Gourmand: public APIs to a tested warehouse, an API and dashboards')
  .option('-v, --verbose', 'debug logs, and stack traces on errors')
  .option('-q, --quiet', 'only warnings and errors in the logs')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

registerDbCommands(program);
registerLakeCommands(program);
registerWarehouseCommands(program);
registerCdcCommands(program);
registerStartCommand(program);
registerRunCommand(program);
registerConfigCommand(program);
registerServeCommand(program);
registerTaskCommands(program);
registerBackfillCommand(program);
registerWorkerCommand(program);
registerScheduleCommand(program);
registerAirflowCommands(program);
registerStatusCommand(program);
registerReportCommand(program);
registerSimCommands(program);
registerAnalyzeCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander already printed its message (or the help); keep its exit code, 0 for --help.
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else {
    const verbose = process.argv.includes('--verbose') || process.argv.includes('-v');
    const known = error instanceof GourmandError;
    console.error(redactSecrets(`error: ${error instanceof Error ? error.message : String(error)}`));
    if (verbose && error instanceof Error) console.error(redactSecrets(error.stack ?? ''));
    else if (!known) console.error('(run with --verbose for the stack trace)');
    process.exitCode = known ? error.exitCode : 1;
  }
}
