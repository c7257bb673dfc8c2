import type { Command } from 'commander';
import { createLogger, type Logger } from '../common/logger.ts';
import { loadSettings, type Settings } from '../config/settings.ts';
import { openDatabase, type SourceDatabase } from '../oltp/database.ts';

export interface CliContext {
  settings: Settings;
  log: Logger;
}

/** Settings and logger for a command; `--verbose` raises the log level to debug. */
export function cliContext(command: Command): CliContext {
  const globals = command.optsWithGlobals<{ verbose?: boolean; quiet?: boolean }>();
  const settings = loadSettings();
  const level = globals.verbose ? 'debug' : globals.quiet ? 'warn' : settings.logLevel;
  return { settings, log: createLogger(level) };
}

/** Opens the source database for the duration of `fn`, closing it whatever happens. */
export async function withDatabase<T>(
  settings: Settings,
  fn: (database: SourceDatabase) => Promise<T>,
): Promise<T> {
  const database = await openDatabase(settings);
  try {
    return await fn(database);
  } finally {
    await database.close();
  }
}

/** Prints rows as an aligned text table (what a person reads) on stdout. */
export function printTable(rows: Record<string, unknown>[], columns?: string[]): void {
  if (rows.length === 0) {
    console.log('(none)');
    return;
  }
  const cols = columns ?? Object.keys(rows[0]!);
  const cell = (value: unknown) =>
    value === null || value === undefined ? '' : value instanceof Date ? value.toISOString() : String(value);
  const widths = cols.map((col) => Math.max(col.length, ...rows.map((row) => cell(row[col]).length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  console.log(line(cols));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) console.log(line(cols.map((col) => cell(row[col]))));
}
