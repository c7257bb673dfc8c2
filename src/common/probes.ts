import { Redis } from 'ioredis';
import { errorMessage, GourmandError } from './errors.ts';
import { redactSecrets } from './redact.ts';

/** A backend did not answer (refused, unknown host, timed out); the message says what to do. */
export class UnreachableError extends GourmandError {}

/** `promise`, or a rejection after `ms` naming `what` (the work itself is not cancelled). */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export const REDIS_ADVICE =
  'start Redis there or fix REDIS_URL (unset = the in-process API cache, no workers)';

/**
 * Connects to Redis once and PINGs it, without the endless reconnects of a long-lived client:
 * an UnreachableError in one line when it does not answer within `timeoutMs`.
 */
export async function pingRedis(url: string, timeoutMs: number): Promise<void> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  // connect() rejects with a bare "Connection is closed"; the cause (ECONNREFUSED, ...) comes as an event.
  let cause: unknown;
  redis.on('error', (error) => {
    cause = error;
  });
  try {
    await withTimeout(
      redis.connect().then(() => redis.ping()),
      timeoutMs,
      'Redis',
    );
  } catch (error) {
    throw new UnreachableError(
      redactSecrets(`Cannot reach Redis at ${url} (${errorMessage(cause ?? error)}): ${REDIS_ADVICE}`),
    );
  } finally {
    redis.disconnect();
  }
}
