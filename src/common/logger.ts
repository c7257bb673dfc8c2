import pino, { type Logger, type LoggerOptions } from 'pino';
import { redactSecrets } from './redact.ts';

export type { Logger };

// Every line passes through redactSecrets just before it is written: URL passwords, bearer
// tokens and the configured secrets never reach a log, whatever object or error carried them.
const hooks: LoggerOptions['hooks'] = { streamWrite: redactSecrets };

/**
 * JSON lines when not on a TTY (CI, files, log shippers); pretty output for a person at a terminal.
 */
export function createLogger(level: string, options: { pretty?: boolean } = {}): Logger {
  const pretty = options.pretty ?? Boolean(process.stderr.isTTY);
  if (pretty) {
    return pino({
      level,
      hooks,
      transport: {
        target: 'pino-pretty',
        options: { destination: 2, colorize: true, translateTime: 'HH:MM:ss', ignore: 'pid,hostname' },
      },
    });
  }
  return pino({ level, hooks }, pino.destination(2));
}

/** A logger that prints nothing: for tests and library callers that bring their own. */
export const silentLogger: Logger = pino({ level: 'silent' });
