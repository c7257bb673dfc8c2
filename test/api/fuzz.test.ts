import { Ajv, type ValidateFunction } from 'ajv';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type ApiContext, apiBackends, createApiContext, type Session, signUp } from './support.ts';

/**
 * Drives every operation of the OpenAPI document with random and hostile input: huge numbers,
 * wrong types, SQL fragments, unicode, NUL, long strings; as anonymous, user, moderator, admin or
 * with a garbage token. No answer may be a 5xx, and every answer must match the schema the
 * document gives for its status code.
 */

type JsonSchema = {
  type?: string | string[];
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  minimum?: number;
  maximum?: number;
};
interface Parameter {
  in: 'path' | 'query';
  name: string;
  schema: JsonSchema;
}
interface Operation {
  method: string;
  path: string;
  parameters: Parameter[];
  body?: JsonSchema;
  responses: Record<string, { content?: Record<string, { schema: object }> }>;
}

const hostileString = fc.oneof(
  fc.constantFrom(
    "' OR '1'='1",
    '1; drop table business; --',
    'name desc, (select pg_sleep(10))',
    '../../etc/passwd',
    '\u0000',
    'a\u0000b',
    'NaN',
    'Infinity',
    '-0',
    '1e309',
    '99999999999999999999999',
    '2147483648',
    '-2147483649',
    '',
    ' ',
    'null',
    'true',
    '[]',
    '{}',
    '😀🍕',
    '\uD800',
    '0000-01-01',
    '2026-02-30',
    '9999-12-31',
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ minLength: 500, maxLength: 5000 }),
  fc.integer().map(String),
  fc.double().map(String),
  fc.bigInt().map(String),
);

const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.integer(),
  fc.double(),
  fc.bigInt().map((n) => Number(n)),
  fc.boolean(),
  fc.constant(null),
  fc.array(hostileString, { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 10 }), hostileString, { maxKeys: 3 }),
);

/** Mostly values of the declared type (to get past validation), often hostile ones. */
function valueFor(schema: JsonSchema): fc.Arbitrary<unknown> {
  const types = [schema.type].flat();
  let valid: fc.Arbitrary<unknown>;
  if (schema.enum) valid = fc.constantFrom(...schema.enum);
  else if (types.includes('integer')) {
    valid = fc.integer({
      min: Math.max(schema.minimum ?? -10, -10),
      max: Math.min(schema.maximum ?? 10, 10),
    });
  } else if (types.includes('number')) valid = fc.double({ min: -1, max: 6, noNaN: true });
  else if (types.includes('boolean')) valid = fc.boolean();
  else if (types.includes('array') && schema.items)
    valid = fc.array(valueFor(schema.items), { maxLength: 3 });
  else if (types.includes('object') && schema.properties) valid = objectFor(schema);
  else
    valid = fc.oneof(fc.string({ maxLength: 20 }), fc.emailAddress(), fc.constantFrom('2026-01-02', 'pizza'));
  return fc.oneof({ weight: 3, arbitrary: valid }, { weight: 2, arbitrary: hostileJson });
}

function objectFor(schema: JsonSchema): fc.Arbitrary<Record<string, unknown>> {
  const shape = Object.fromEntries(Object.entries(schema.properties ?? {}).map(([k, s]) => [k, valueFor(s)]));
  return fc.record(shape, { requiredKeys: [] });
}

// A URL carries bytes: a lone surrogate goes out as U+FFFD, as any HTTP client would send it.
const wellFormed = (text: string) => Buffer.from(text, 'utf8').toString('utf8');
const asText = (value: unknown) => (typeof value === 'string' ? value : (JSON.stringify(value) ?? ''));

function operationsOf(doc: { paths: Record<string, Record<string, Omit<Operation, 'method' | 'path'>>> }) {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const body = (op as { requestBody?: { content: Record<string, { schema: JsonSchema }> } }).requestBody;
      operations.push({
        method: method.toUpperCase(),
        path,
        parameters: op.parameters ?? [],
        body: body?.content['application/json']?.schema,
        responses: op.responses,
      });
    }
  }
  return operations;
}

// 100 runs of every operation: the time grows with the API, and the default minute is tight on a busy machine.
vi.setConfig({ testTimeout: 240_000 });

describe.each(apiBackends)('fuzzing every OpenAPI operation on %s with %s cache', (backend, cacheKind) => {
  let ctx: ApiContext;
  let operations: Operation[];
  let sessions: Session[];
  const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
  const validators = new Map<object, ValidateFunction>();
  const validatorFor = (schema: object) => {
    const validate = validators.get(schema) ?? ajv.compile(schema);
    validators.set(schema, validate);
    return validate;
  };

  beforeAll(async () => {
    ctx = await createApiContext(backend, cacheKind);
    sessions = [
      await signUp(ctx),
      await signUp(ctx, { role: 'moderator' }),
      await signUp(ctx, { role: 'admin' }),
    ];
    operations = operationsOf((await ctx.app.inject({ method: 'GET', url: '/openapi.json' })).json());
  });
  afterAll(async () => {
    await ctx?.close();
  });

  it('finds the whole API in the document', () => {
    expect(operations.length).toBeGreaterThanOrEqual(20);
  });

  it('answers every operation without a 5xx and within its documented schema', async () => {
    for (const operation of operations) {
      const pathParams = operation.parameters.filter((p) => p.in === 'path');
      const queryParams = operation.parameters.filter((p) => p.in === 'query');
      const input = fc.record({
        path: fc.record(
          Object.fromEntries(
            pathParams.map((p) => [
              p.name,
              // An empty segment would address another route (/businesses/ is the list).
              fc.oneof(
                fc.integer({ min: 1, max: 8 }).map(String),
                hostileString.filter((s) => s.trim() !== ''),
              ),
            ]),
          ),
        ),
        query: fc.record(Object.fromEntries(queryParams.map((p) => [p.name, valueFor(p.schema)])), {
          requiredKeys: [],
        }),
        body: operation.body ? fc.oneof(valueFor(operation.body), hostileJson) : fc.constant(undefined),
        who: fc.constantFrom<'anonymous' | 'garbage' | 0 | 1 | 2>('anonymous', 'garbage', 0, 1, 2),
      });
      await fc.assert(
        fc.asyncProperty(input, async ({ path, query, body, who }) => {
          const url = new URL(`http://x${operation.path}`);
          url.pathname = operation.path.replace(/\{(\w+)\}/g, (_, name) =>
            encodeURIComponent(wellFormed(asText(path[name]))),
          );
          for (const [key, value] of Object.entries(query)) {
            for (const item of Array.isArray(value) ? value : [value])
              url.searchParams.append(key, wellFormed(asText(item)));
          }
          const headers: Record<string, string> =
            who === 'anonymous'
              ? {}
              : who === 'garbage'
                ? { authorization: 'Bearer eyJhbGciOiJub25lIn0.e30.' }
                : sessions[who]!.auth;
          const response = await ctx.app.inject({
            method: operation.method as 'GET',
            url: url.pathname + url.search,
            headers,
            ...(body !== undefined && {
              payload: JSON.stringify(body),
              headers: { ...headers, 'content-type': 'application/json' },
            }),
          });
          const where = `${operation.method} ${url.pathname}${url.search} → ${response.statusCode} ${response.body.slice(0, 300)}`;
          expect(response.statusCode, where).toBeLessThan(500);
          const status = String(response.statusCode);
          const documented =
            operation.responses[status] ??
            operation.responses[`${status[0]}XX`] ??
            operation.responses.default;
          expect(documented, `undocumented status: ${where}`).toBeDefined();
          if (response.body === '') return;
          const schema = documented?.content?.['application/json']?.schema;
          expect(schema, `no schema: ${where}`).toBeDefined();
          const validate = validatorFor(schema!);
          expect(validate(response.json()), `${where}\n${ajv.errorsText(validate.errors)}`).toBe(true);
        }),
        { numRuns: 100, seed: Number(process.env.FUZZ_SEED ?? 20261125), endOnFailure: true },
      );
    }
  });
});

// Bodies no schema should ever see: each must be refused (or ignored) with a 4xx, never a 5xx.
const DEPTH = 100_000;
const hostileBodies: Record<string, string | Buffer> = {
  'arrays nested 100,000 levels': `${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}`,
  'objects nested 100,000 levels': `${'{"a":'.repeat(DEPTH)}1${'}'.repeat(DEPTH)}`,
  'unclosed nesting': '['.repeat(DEPTH),
  '50,000 keys': `{${Array.from({ length: 50_000 }, (_, i) => `"k${i}":0`).join(',')}}`,
  '50,000 form fields': Array.from({ length: 50_000 }, (_, i) => `f${i}=1`).join('&'),
  'NUL bytes in strings': JSON.stringify({
    email: 'a\u0000@b.c',
    password: 'x\u0000'.repeat(10),
    body: '\u0000',
  }),
  'raw NUL bytes': Buffer.alloc(64),
  'invalid UTF-8': Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]),
  'prototype keys': '{"__proto__":{"role":"admin"},"constructor":{"prototype":{"x":1}}}',
  'not JSON': "' OR 1=1 --",
};
const contentTypes = [
  undefined,
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'application/vnd.api+json',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'text/plain',
  'text/html',
  'application/xml',
  'application/octet-stream',
  '*/*',
  'garbage',
  'application/json;;;===',
];

describe('hostile bodies on every operation and on unknown routes', () => {
  let ctx: ApiContext;
  let targets: { method: string; url: string }[];
  let admin: Session;
  beforeAll(async () => {
    // A body limit above the nested bodies' size, so they reach the parser rather than the 413.
    ctx = await createApiContext('pglite', 'memory', { API_BODY_LIMIT: '8388608' });
    admin = await signUp(ctx, { role: 'admin' });
    const operations = operationsOf((await ctx.app.inject({ method: 'GET', url: '/openapi.json' })).json());
    targets = [
      ...operations.map((op) => ({ method: op.method, url: op.path.replace(/\{\w+\}/g, '1') })),
      { method: 'POST', url: '/anything' },
      { method: 'PUT', url: '/businesses/1/nothing-here' },
      { method: 'PATCH', url: '/states' },
      { method: 'DELETE', url: '/' },
    ];
  });
  afterAll(async () => {
    await ctx?.close();
  });

  it('answers every body in every content type without a 5xx, with the error shape and the security headers', async () => {
    const seen = new Map<number, number>();
    for (const { method, url } of targets) {
      for (const [name, payload] of Object.entries(hostileBodies)) {
        for (const contentType of contentTypes) {
          for (const headers of [{}, admin.auth]) {
            const response = await ctx.app.inject({
              method: method as 'POST',
              url,
              payload,
              headers: { ...headers, ...(contentType && { 'content-type': contentType }) },
            });
            const where = `${method} ${url} ${name} as ${contentType} → ${response.statusCode} ${response.body.slice(0, 200)}`;
            expect(response.statusCode, where).toBeLessThan(500);
            expect(response.headers['x-content-type-options'], where).toBe('nosniff');
            if (response.statusCode >= 400) {
              expect(response.json(), where).toMatchObject({
                statusCode: response.statusCode,
                error: expect.any(String),
                message: expect.any(String),
              });
            }
            seen.set(response.statusCode, (seen.get(response.statusCode) ?? 0) + 1);
          }
        }
      }
    }
    // The limits, not luck, refused the deep and wide bodies.
    expect(seen.get(400)).toBeGreaterThan(0);
  }, 600_000);

  it('refuses deep and wide JSON with a 400 that says why, before any schema', async () => {
    const send = (url: string, payload: string) =>
      ctx.app.inject({ method: 'POST', url, payload, headers: { 'content-type': 'application/json' } });
    const deep = await send('/auth/login', hostileBodies['arrays nested 100,000 levels'] as string);
    expect(deep.statusCode).toBe(400);
    expect(deep.json().message).toBe('The JSON body is nested deeper than 32 levels');
    const wide = await send('/auth/register', hostileBodies['50,000 keys'] as string);
    expect(wide.statusCode).toBe(400);
    expect(wide.json().message).toBe('The JSON body has more than 1000 keys');
    // Just inside the limits is an ordinary validation answer.
    const shallow = await send('/auth/login', `${'['.repeat(32)}${']'.repeat(32)}`);
    expect(shallow.statusCode).toBe(400);
    expect(shallow.json().message).not.toMatch(/nested/);
  });

  it('answers an unknown route 404 without reading its body', async () => {
    const response = await ctx.app.inject({
      method: 'POST',
      url: '/anything',
      payload: '{"unterminated": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({
      error: 'Not Found',
      message: 'No route POST /anything',
      statusCode: 404,
    });
  });

  it('sends the security headers on the malformed-URL 400 too', async () => {
    const response = await ctx.app.inject({ method: 'GET', url: '/businesses/%E0%A4%A' });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toBe('Malformed request URL');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['content-security-policy']).toBeDefined();
  });
});
