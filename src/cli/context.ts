import type { Command } from 'commander';
import pino from 'pino';
import { logShipper } from '../common/log-ship.ts';
import { createLogger, type Logger } from '../common/logger.ts';
import { loadSettings, type Settings } from '../config/settings.ts';
import type { SourceDatabase } from '../oltp/database.ts';
import { onCliExit } from './closers.ts';
import { TerminalView } from './terminal-view.ts';

export interface CliContext {
  settings: Settings;
  log: Logger;
}

/** The commands that show a run as the terminal view (one line per task, progress bars). */
const RUN_COMMANDS = new Set(['run', 'start', 'backfill']);

/**
 * Settings and logger for a command; `--verbose` raises the log level to debug. A run command on a
 * terminal shows the terminal view (live bars on a TTY stdout with colours, plain lines under
 * NO_COLOR or `--quiet`); off a TTY, or with `--log-format json`, the console gets JSON lines.
 * With LOG_SHIP_URL every record is also shipped.
 */
export function cliContext(command: Command): CliContext {
  const globals = command.optsWithGlobals<{ verbose?: boolean; quiet?: boolean; logFormat?: string }>();
  const settings = loadSettings();
  const level = globals.verbose ? 'debug' : globals.quiet ? 'warn' : settings.logLevel;
  const json = globals.logFormat === 'json' || !process.stderr.isTTY;
  let console: TerminalView | undefined;
  if (!json && RUN_COMMANDS.has(command.name())) {
    const plain = !process.stdout.isTTY || Boolean(process.env.NO_COLOR) || Boolean(globals.quiet);
    console = new TerminalView({ live: !plain, color: !plain, minLevel: pino.levels.values[level] });
    onCliExit(() => console?.stop());
  }
  const shipper = settings.logShipUrl
    ? logShipper(settings.logShipUrl, settings.logShipTimeoutMs)
    : undefined;
  if (shipper) onCliExit(() => shipper.close());
  // The view gets the task events (info) even under --quiet; it filters the rest itself.
  const consoleLevel = console && level !== 'debug' && level !== 'trace' ? 'info' : level;
  const log = createLogger(consoleLevel, { pretty: !json, console, extra: shipper ? [shipper.stream] : [] });
  return { settings, log };
}

/**
 * Opens the source database for the duration of `fn`, closing it whatever happens. Imported here, not
 * at the top: PGlite and pg cost ~0.5 s to load, which commands that never open a database skip.
 */
export async function withDatabase<T>(
  settings: Settings,
  fn: (database: SourceDatabase) => Promise<T>,
): Promise<T> {
  const { openDatabase } = await import('../oltp/database.ts');
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
