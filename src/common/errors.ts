/**
 * Typed errors. The CLI prints `message` as one line and exits with `exitCode`;
 * anything that is not a GourmandError is a bug and shows its stack with --verbose.
 */
export class GourmandError extends Error {
  readonly exitCode: number = 1;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A setting is missing or malformed. Exit code 2, like a usage error. */
export class ConfigError extends GourmandError {
  override readonly exitCode = 2;
}

/** A source API or page answered badly (after retries). */
export class SourceError extends GourmandError {}

/** Data failed validation (a record, a file, a model test). */
export class ValidationError extends GourmandError {}

/** The database refused an operation (migration drift, bad state). */
export class DatabaseError extends GourmandError {}

/** A run was cancelled (SIGINT/SIGTERM). */
export class CancelledError extends GourmandError {
  override readonly exitCode = 130;
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * One line, with what to do, for the system errors a user meets rather than a bug: a port another
 * process holds (EADDRINUSE), a server that is not there (ECONNREFUSED). Undefined for the rest.
 */
export function explainSystemError(error: unknown): string | undefined {
  const e = error as (NodeJS.ErrnoException & { address?: string; port?: number }) | undefined;
  const where = e?.address === undefined ? `port ${e?.port}` : `${e.address}:${e.port}`;
  if (e?.code === 'EADDRINUSE') {
    return `Port ${e.port} on ${e.address ?? 'this host'} is in use by another process: stop it, or choose another port (--port, or PORT for serve/start; 0 = any free port)`;
  }
  if (e?.code === 'ECONNREFUSED') {
    return `Nothing answers at ${where} (connection refused): start the server there, or fix the setting that points at it (\`gourmand doctor\` checks them all)`;
  }
  return undefined;
}
