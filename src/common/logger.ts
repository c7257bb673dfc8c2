import pino, { type DestinationStream, type Level, type Logger, type LoggerOptions } from 'pino';
import pinoPretty from 'pino-pretty';
import { redactSecrets } from './redact.ts';

export type { Logger };

// Every line passes through redactSecrets just before it is written: URL passwords, bearer
// tokens and the configured secrets never reach a log, whatever object or error carried them.
const hooks: LoggerOptions['hooks'] = { streamWrite: redactSecrets };

/** A receiver of every JSON line a logger writes (run log files tap in and out). */
export type LogTap = (line: string) => void;
const taps = new Set<LogTap>();

/** Adds a tap to every logger made by createLogger; returns its removal. */
export function addLogTap(tap: LogTap): () => void {
  taps.add(tap);
  return () => taps.delete(tap);
}

const tapStream: DestinationStream = {
  write(line: string) {
    for (const tap of taps) tap(line);
  },
};

export interface CreateLoggerOptions {
  /** pino-pretty on stderr; defaults to whether stderr is a TTY. Ignored when `console` is set. */
  pretty?: boolean;
  /** Where the records for a person go instead of stderr (the terminal view). */
  console?: DestinationStream;
  /** Further destinations (log shipping) that get every record the run log files get. */
  extra?: DestinationStream[];
}

/**
 * JSON lines when not on a TTY (CI, files, log shippers); pretty output for a person at a terminal.
 * The console gets `level`; the run log files (taps) and `extra` get info and up whatever the
 * console shows, so `--quiet` keeps a run's full log.
 */
export function createLogger(level: string, options: CreateLoggerOptions = {}): Logger {
  const values = pino.levels.values;
  const keep: Level = level !== 'silent' && values[level]! < values.info! ? (level as Level) : 'info';
  const streams = [
    { level: keep, stream: tapStream },
    ...(options.extra ?? []).map((stream) => ({ level: keep, stream })),
    ...(level === 'silent' ? [] : [{ level: level as Level, stream: consoleStream(options) }]),
  ];
  return pino({ level: keep, hooks }, pino.multistream(streams));
}

function consoleStream(options: CreateLoggerOptions): DestinationStream {
  if (options.console) return options.console;
  return (options.pretty ?? Boolean(process.stderr.isTTY))
    ? pinoPretty({
        destination: 2,
        sync: true,
        colorize: true,
        translateTime: 'HH:MM:ss',
        ignore: 'pid,hostname',
      })
    : pino.destination(2);
}

/**
 * A logger that prints nothing: for tests and library callers that bring their own. A createLogger
 * logger without a console, so a run given it still keeps its full log file (the file's tap only
 * sees the records of createLogger loggers; a bare silent pino logger drops them all).
 */
export const silentLogger: Logger = createLogger('silent');
