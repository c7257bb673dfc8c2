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
