import type { Command } from 'commander';
import { describeSettings } from '../config/settings.ts';
import { cliContext, printTable } from './context.ts';

export function registerConfigCommand(program: Command): void {
  program
    .command('config')
    .description('Show every setting, its environment variable and its current value')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }, command: Command) => {
      const { settings } = cliContext(command);
      const rows = describeSettings(settings).map(({ key, env, value, description }) => ({
        env,
        key,
        value,
        description,
      }));
      if (options.json) console.log(JSON.stringify(rows, null, 2));
      else printTable(rows);
    });
}
