import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { z } from 'zod';
import { CancelledError, ConfigError, errorMessage, SourceError } from '../common/errors.ts';
import { type Logger, silentLogger } from '../common/logger.ts';
import { backoffDelay } from '../orchestrator/runner.ts';

/** A source answered with an error we do not retry (or kept failing after every retry). */
export class SourceHttpError extends SourceError {
  constructor(
    message: string,
    readonly status: number,
    /** The source's error code (Yelp's `error.code`), or a transport code such as TIMEOUT. */
    readonly code: string,
  ) {
    super(message);
  }
}

/** The pull must stop now (daily quota used up, or the call budget of `test` mode spent). */
export class PullStoppedError extends SourceError {
  constructor(
    message: string,
    readonly reason: 'ACCESS_LIMIT_REACHED' | 'CALL_LIMIT',
  ) {
    super(message);
  }
}

export interface HttpOptions {
  /** Source name for logs and errors: yelp, census, states. */
  name: string;
  baseUrl: string;
  headers?: Record<string, string>;
  /** Requests in flight at once. */
  concurrency: number;
  /** Token-bucket rate; Infinity = unlimited. */
  ratePerSecond: number;
  timeoutMs: number;
  /** Tries per request, the first included. */
  maxAttempts: number;
  /** First retry delay; doubles each attempt, with jitter. */
  backoffMs: number;
  /** The setting holding this source's key, named when the source refuses it (401/403). */
  keySetting?: string;
  /** Stop (PullStoppedError) once this many requests were sent; default none. */
  callLimit?: number;
  signal?: AbortSignal;
  log?: Logger;
}

type Query = Record<string, string | number | undefined>;

/** Status codes and transport failures worth another try. */
const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);

/**
 * Fetch with everything a long pull from a rate-limited API needs: bounded concurrency, a token
 * bucket, a per-request timeout, and retries with jittered exponential backoff on 429, 5xx,
 * timeouts, network errors and garbled bodies. Every request sent counts as one call (quota).
 */
export class SourceHttp {
  calls = 0;
  retries = 0;
  /** The API's own count of calls left today (`RateLimit-Remaining`), as of its latest answer. */
  quotaLeft: number | undefined;
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];
  private tokens: number;
  private lastRefill = Date.now();
  private stopped: PullStoppedError | ConfigError | undefined;
  private readonly log: Logger;

  constructor(private readonly options: HttpOptions) {
    this.tokens = Number.isFinite(options.ratePerSecond) ? options.ratePerSecond : 0;
    this.log = options.log ?? silentLogger;
  }

  /**
   * GET a JSON document, checked against `schema` (a body that does not match is retried like a
   * garbled one); `undefined` for 204 No Content (Census: a valid query without data).
   */
  async getJson<T = unknown>(path: string, query: Query = {}, schema?: z.ZodType<T>): Promise<T> {
    const text = await this.get(path, query, schema ?? z.unknown());
    return (text === '' ? undefined : (schema ?? z.unknown()).parse(JSON.parse(text))) as T;
  }

  async getText(path: string, query: Query = {}): Promise<string> {
    return this.get(path, query);
  }

  private async get(path: string, query: Query, schema?: z.ZodType): Promise<string> {
    const url = new URL(
      path,
      this.options.baseUrl.endsWith('/') ? this.options.baseUrl : `${this.options.baseUrl}/`,
    );
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const shown = `${this.options.name} ${url.pathname}${url.search.replace(/key=[^&]*/, 'key=***')}`;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.withSlot(() => this.once(url, schema));
      if (outcome.ok) return outcome.text;
      if (!outcome.retryable || attempt >= this.options.maxAttempts) {
        throw new SourceHttpError(`${shown}: ${outcome.message}`, outcome.status, outcome.code);
      }
      this.retries++;
      const delay = Math.max(outcome.retryAfterMs ?? 0, backoffDelay(this.options.backoffMs, attempt));
      this.log.debug(
        { url: shown, attempt, code: outcome.code, retryInMs: delay },
        'retrying a source request',
      );
      await sleep(delay, undefined, { signal: this.options.signal }).catch(() => {});
      this.throwIfCancelled();
    }
  }

  private async once(url: URL, schema: z.ZodType | undefined): Promise<Outcome> {
    this.throwIfCancelled();
    if (this.stopped) throw this.stopped;
    if (this.options.callLimit !== undefined && this.calls >= this.options.callLimit) {
      this.stopped = new PullStoppedError(
        `${this.options.name}: stopped after ${this.calls} calls (call limit ${this.options.callLimit})`,
        'CALL_LIMIT',
      );
      throw this.stopped;
    }
    this.calls++;
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    const signal = this.options.signal ? AbortSignal.any([timeout, this.options.signal]) : timeout;
    let status: number;
    let text: string;
    let headers: Record<string, string | string[] | undefined>;
    try {
      const response = await request(url, {
        method: 'GET',
        headers: { accept: schema ? 'application/json' : 'text/html', ...this.options.headers },
        signal,
      });
      status = response.statusCode;
      headers = response.headers;
      const remaining = Number(headers['ratelimit-remaining']);
      if (headers['ratelimit-remaining'] !== undefined && Number.isSafeInteger(remaining))
        this.quotaLeft = remaining;
      text = await response.body.text();
    } catch (error) {
      this.throwIfCancelled();
      const timedOut = timeout.aborted;
      return {
        ok: false,
        retryable: true,
        status: 0,
        code: timedOut ? 'TIMEOUT' : 'NETWORK_ERROR',
        message: timedOut ? `no answer within ${this.options.timeoutMs} ms` : errorMessage(error),
      };
    }
    if (status === 200 || status === 204) {
      // An HTML page where JSON was asked for (Census: "Invalid Key" with status 200) is not garbled.
      if (schema && /^\s*</.test(text)) {
        const title = /<title>([^<]*)<\/title>/i.exec(text)?.[1]?.trim();
        return {
          ok: false,
          retryable: false,
          status,
          code: 'HTML_BODY',
          message: `answered an HTML page${title ? ` ("${title}")` : ''} instead of JSON${this.options.keySetting ? `; check ${this.options.keySetting}` : ''}`,
        };
      }
      if (schema && text !== '') {
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          return {
            ok: false,
            retryable: true,
            status,
            code: 'MALFORMED_JSON',
            message: 'body is not valid JSON',
          };
        }
        const checked = schema.safeParse(body);
        if (!checked.success) {
          const issue = checked.error.issues[0];
          const message = `unexpected body (${issue?.path.join('.') || 'body'}: ${issue?.message})`;
          return { ok: false, retryable: true, status, code: 'INVALID_RESPONSE', message };
        }
      }
      return { ok: true, text };
    }
    const code = errorCode(text) ?? (status >= 300 && status < 400 ? 'REDIRECT' : `HTTP_${status}`);
    if (code === 'ACCESS_LIMIT_REACHED') {
      this.stopped = new PullStoppedError(
        `${this.options.name}: the daily access limit is reached (ACCESS_LIMIT_REACHED); the pull resumes where it stopped on the next run`,
        'ACCESS_LIMIT_REACHED',
      );
      throw this.stopped;
    }
    const location = headers.location ? ` (redirected to ${headers.location})` : '';
    // A refused key stops the whole pull at once: no retry, no other request can succeed.
    const keyRefused =
      status === 401 ||
      (status === 403 && code !== 'BUSINESS_UNAVAILABLE') ||
      headers['x-datawebapi-keyerror'] !== undefined;
    if (keyRefused && this.options.keySetting) {
      this.stopped = new ConfigError(
        `${this.options.name}: the API key was refused (HTTP ${status} ${code}${location}${errorDescription(text)}); set ${this.options.keySetting} to a valid key`,
      );
      throw this.stopped;
    }
    return {
      ok: false,
      retryable: RETRYABLE_STATUS.has(status),
      status,
      code,
      message: `HTTP ${status} ${code}${location}${errorDescription(text)}`,
      retryAfterMs: retryAfter(headers['retry-after']),
    };
  }

  private async withSlot<T>(fn: () => Promise<T>): Promise<T> {
    while (this.inFlight >= this.options.concurrency) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.inFlight++;
    try {
      await this.takeToken();
      return await fn();
    } finally {
      this.inFlight--;
      this.waiting.shift()?.();
    }
  }

  private async takeToken(): Promise<void> {
    const rate = this.options.ratePerSecond;
    if (!Number.isFinite(rate)) return;
    for (;;) {
      const now = Date.now();
      this.tokens = Math.min(rate, this.tokens + ((now - this.lastRefill) / 1000) * rate);
      this.lastRefill = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await sleep(Math.ceil(((1 - this.tokens) / rate) * 1000));
    }
  }

  private throwIfCancelled() {
    if (this.options.signal?.aborted) throw new CancelledError('Run cancelled');
  }
}

type Outcome =
  | { ok: true; text: string }
  | { ok: false; retryable: boolean; status: number; code: string; message: string; retryAfterMs?: number };

function parseErrorBody(text: string): { code?: unknown; description?: unknown } | undefined {
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; description?: unknown } };
    return body && typeof body === 'object' ? body.error : undefined;
  } catch {
    return undefined;
  }
}

function errorCode(text: string): string | undefined {
  const code = parseErrorBody(text)?.code;
  return typeof code === 'string' ? code : undefined;
}

function errorDescription(text: string): string {
  const description = parseErrorBody(text)?.description;
  if (typeof description === 'string') return `: ${description}`;
  // Census answers query errors in one line of text/plain.
  const line = text.trim().split('\n')[0] ?? '';
  return line && line.length < 200 && !line.startsWith('<') ? `: ${line}` : '';
}

function retryAfter(value: string | string[] | undefined): number | undefined {
  const seconds = Number(Array.isArray(value) ? value[0] : value);
  return Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds, 60) * 1000 : undefined;
}
