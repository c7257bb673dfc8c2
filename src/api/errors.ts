import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance } from 'fastify';

/** An error a handler throws on purpose; it becomes `{error, message, statusCode}`. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

export const badRequest = (message: string) => new HttpError(400, message);
export const unauthorized = (message = 'Sign in first: send a valid bearer access token') =>
  new HttpError(401, message);
export const forbidden = (message: string) => new HttpError(403, message);
export const notFound = (message: string) => new HttpError(404, message);
export const conflict = (message: string) => new HttpError(409, message);

// Postgres SQLSTATEs that are the caller's or the load's fault rather than a bug.
const QUERY_CANCELED = '57014';

export function errorBody(statusCode: number, message: string) {
  return { error: STATUS_CODES[statusCode] ?? 'Error', message, statusCode };
}

/** One error shape for everything: validation, our HttpErrors, Fastify's own, the database's. */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError & { code?: string }, request, reply) => {
    if (error.validation) {
      return reply.status(400).send(errorBody(400, error.message));
    }
    if (error.code === QUERY_CANCELED) {
      request.log.warn({ err: error }, 'database statement timeout');
      return reply.status(503).send(errorBody(503, 'The database took too long to answer; try again'));
    }
    const status = typeof error.statusCode === 'number' && error.statusCode >= 400 ? error.statusCode : 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      return reply.status(status).send(errorBody(status, 'Something went wrong on our side'));
    }
    if (status === 429 && reply.getHeader('retry-after') === undefined) reply.header('retry-after', 60);
    return reply.status(status).send(errorBody(status, error.message));
  });
  app.setNotFoundHandler((request, reply) => {
    reply
      .status(404)
      .send(errorBody(404, `No route ${request.method} ${request.url.split('?')[0]!.slice(0, 200)}`));
  });
}
