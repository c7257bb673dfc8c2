import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { buildApp } from '../api/app.ts';
import { MemoryCache } from '../api/cache/memory.ts';
import { parseRunDate } from '../common/dates.ts';
import { migrate } from '../oltp/migrate.ts';
import { renderReport } from '../web/report.ts';
import { cliContext, withDatabase } from './context.ts';

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description(
      'Write one self-contained HTML report (map, segments, analyses, latest run) to share without a server',
    )
    .option(
      '--date <YYYY-MM-DD>',
      'the run to report on, and the end of the segments window (default: the latest)',
    )
    .option('--out <file>', 'where to write it', 'report.html')
    .action(async (options: { date?: string; out: string }, command: Command) => {
      const { settings, log } = cliContext(command);
      const date = options.date === undefined ? undefined : parseRunDate(options.date);
      const html = await withDatabase(settings, async (database) => {
        await migrate(database, { log });
        const app = await buildApp({ settings, database, cache: new MemoryCache(), log });
        try {
          return await renderReport(app, { date });
        } finally {
          await app.close();
        }
      });
      writeFileSync(options.out, html);
      console.log(`report written to ${options.out} (${Math.round(html.length / 1024)} KB, opens offline)`);
    });
}
