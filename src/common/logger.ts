import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * JSON lines when not on a TTY (CI, files, log shippers); pretty output for a person at a terminal.
 */
export function createLogger(level: string, options: { pretty?: boolean } = {}): Logger {
  const pretty = options.pretty ?? Boolean(process.stderr.isTTY);
  if (pretty) {
    return pino({
      level,
      transport: {
        target: 'pino-pretty',
        options: { destination: 2, colorize: true, translateTime: 'HH:MM:ss', ignore: 'pid,hostname' },
      },
    });
  }
  return pino({ level }, pino.destination(2));
}

/** A logger that prints nothing: for tests and library callers that bring their own. */
export const silentLogger: Logger = pino({ level: 'silent' });
