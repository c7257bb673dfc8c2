import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PullStoppedError, SourceHttpError } from '../../src/sources/http.ts';
import { type Handler, loopback, sendJson, testHttp, yelpError } from './loopback.ts';

let server: Awaited<ReturnType<typeof loopback>> | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Answers with `failures` first (one per request), then 200 {ok: true}. */
async function failingThen(failures: Handler[]) {
  let n = 0;
  server = await loopback((req, res, url) => {
    const fail = failures[n++];
    if (fail) fail(req, res, url);
    else sendJson(res, 200, { ok: true });
  });
  return server.url;
}

const okSchema = z.object({ ok: z.literal(true) });

describe('SourceHttp', () => {
  it('retries 500s and 429 TOO_MANY_REQUESTS_PER_SECOND with backoff, then succeeds', async () => {
    const url = await failingThen([
      (_q, res) => yelpError(res, 500, 'INTERNAL_ERROR'),
      (_q, res) => yelpError(res, 429, 'TOO_MANY_REQUESTS_PER_SECOND'),
      (_q, res) => yelpError(res, 503, 'SERVICE_UNAVAILABLE'),
    ]);
    const http = testHttp(url);
    expect(await http.getJson('/x', {}, okSchema)).toEqual({ ok: true });
    expect(http.calls).toBe(4);
    expect(http.retries).toBe(3);
  });

  it('gives up after maxAttempts with the source error code', async () => {
    server = await loopback((_q, res) => yelpError(res, 500, 'INTERNAL_ERROR'));
    const http = testHttp(server.url, { maxAttempts: 3 });
    const error = await http.getJson('/x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceHttpError);
    expect((error as SourceHttpError).code).toBe('INTERNAL_ERROR');
    expect(http.calls).toBe(3);
  });

  it('does not retry a client error', async () => {
    server = await loopback((_q, res) => yelpError(res, 400, 'VALIDATION_ERROR'));
    const http = testHttp(server.url);
    await expect(http.getJson('/x')).rejects.toMatchObject({ code: 'VALIDATION_ERROR', status: 400 });
    expect(http.calls).toBe(1);
  });

  it('times out a request that never answers and retries it', async () => {
    const url = await failingThen([() => {}]);
    const http = testHttp(url, { timeoutMs: 200 });
    expect(await http.getJson('/x', {}, okSchema)).toEqual({ ok: true });
    expect(http.calls).toBe(2);
  });

  it('retries a truncated JSON body and a body of the wrong shape', async () => {
    const url = await failingThen([
      (_q, res) => sendJson(res, 200, '{"ok": tr'),
      (_q, res) => sendJson(res, 200, { ok: 'yes' }),
    ]);
    const http = testHttp(url);
    expect(await http.getJson('/x', {}, okSchema)).toEqual({ ok: true });
    expect(http.retries).toBe(2);
  });

  it('reports MALFORMED_JSON when every answer is garbled', async () => {
    server = await loopback((_q, res) => sendJson(res, 200, '[1, 2'));
    const http = testHttp(server.url, { maxAttempts: 2 });
    await expect(http.getJson('/x')).rejects.toMatchObject({ code: 'MALFORMED_JSON' });
  });

  it('stops the whole pull on ACCESS_LIMIT_REACHED without further calls', async () => {
    server = await loopback((_q, res) => yelpError(res, 429, 'ACCESS_LIMIT_REACHED'));
    const http = testHttp(server.url);
    const error = await http.getJson('/x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PullStoppedError);
    expect((error as PullStoppedError).reason).toBe('ACCESS_LIMIT_REACHED');
    await expect(http.getJson('/y')).rejects.toBeInstanceOf(PullStoppedError);
    expect(http.calls).toBe(1);
  });

  it('stops at the call limit', async () => {
    server = await loopback((_q, res) => sendJson(res, 200, { ok: true }));
    const http = testHttp(server.url, { callLimit: 3 });
    for (let i = 0; i < 3; i++) await http.getJson('/x');
    await expect(http.getJson('/x')).rejects.toMatchObject({ reason: 'CALL_LIMIT' });
    expect(http.calls).toBe(3);
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    let inFlight = 0;
    let most = 0;
    server = await loopback((_q, res) => {
      inFlight++;
      most = Math.max(most, inFlight);
      setTimeout(() => {
        inFlight--;
        sendJson(res, 200, { ok: true });
      }, 20);
    });
    const http = testHttp(server.url, { concurrency: 2 });
    await Promise.all(Array.from({ length: 10 }, () => http.getJson('/x')));
    expect(most).toBe(2);
  });

  it('spaces requests with the token bucket: a burst of `rate`, then one per token', async () => {
    const arrivals: number[] = [];
    server = await loopback((_q, res) => {
      arrivals.push(Date.now());
      sendJson(res, 200, { ok: true });
    });
    const http = testHttp(server.url, { ratePerSecond: 50, concurrency: 8 });
    await Promise.all(Array.from({ length: 60 }, () => http.getJson('/x')));
    // 60 requests at 50/s with a bucket of 50 cannot finish before 10 tokens were refilled.
    expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThanOrEqual(150);
  });

  it('sends the headers and query it is given, and redacts the key in errors', async () => {
    let seen: { auth?: string; query?: string } = {};
    server = await loopback((req, res, url) => {
      seen = { auth: req.headers.authorization, query: url.search };
      res.writeHead(302, { location: '/data/invalid_key.html' });
      res.end();
    });
    const http = testHttp(server.url, { headers: { authorization: 'Bearer k' } });
    const error = (await http
      .getJson('/data', { get: 'NAME', key: 'secret' })
      .catch((e: unknown) => e)) as Error;
    expect(seen).toEqual({ auth: 'Bearer k', query: '?get=NAME&key=secret' });
    expect(error.message).toContain('key=***');
    expect(error.message).not.toContain('secret');
    expect(error.message).toContain('invalid_key');
  });
});
