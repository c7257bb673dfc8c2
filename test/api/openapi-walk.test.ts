import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiContext, createApiContext, type Session, signUp } from './support.ts';

/**
 * Walks every operation of the OpenAPI document. Every write is either one of the sign-in routes
 * (public by design) or listed below with the lowest role it needs; a new write route fails this
 * test until it is classified. Each protected write answers 401 without a valid token and 403 to
 * a role below its own; every 4xx body has the shape the document gives.
 */
const PUBLIC_WRITES = new Set([
  'POST /auth/register',
  'POST /auth/login',
  'POST /auth/refresh',
  'POST /auth/verify',
  'POST /auth/password-reset',
  'POST /auth/password-reset/confirm',
]);
type Role = 'user' | 'moderator' | 'admin';
const PROTECTED_WRITES: Record<string, Role> = {
  'POST /auth/logout': 'user',
  'POST /auth/verification': 'user',
  'PUT /me/favourites/{businessId}': 'user',
  'DELETE /me/favourites/{businessId}': 'user',
  'POST /businesses/{id}/notes': 'user',
  'PATCH /notes/{noteId}': 'user',
  'DELETE /notes/{noteId}': 'user',
  'PUT /notes/{noteId}/hidden': 'moderator',
  'PATCH /businesses/{id}': 'admin',
  'DELETE /businesses/{id}/overrides/{field}': 'admin',
  'PATCH /admin/accounts/{id}': 'admin',
};
const BELOW: Record<Role, Role[]> = { user: [], moderator: ['user'], admin: ['user', 'moderator'] };

interface Operation {
  method: string;
  path: string;
  security?: unknown[];
  responses: Record<string, { content?: Record<string, { schema: object }> }>;
}

describe('the OpenAPI walk: authentication, roles and error shapes of every operation', () => {
  let ctx: ApiContext;
  let operations: Operation[];
  let sessions: Record<Role, Session>;
  const ajv = new Ajv({ strict: false, validateFormats: false });

  beforeAll(async () => {
    ctx = await createApiContext('pglite', 'memory');
    sessions = {
      user: await signUp(ctx),
      moderator: await signUp(ctx, { role: 'moderator' }),
      admin: await signUp(ctx, { role: 'admin' }),
    };
    const doc = (await ctx.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    operations = Object.entries(
      doc.paths as Record<string, Record<string, Omit<Operation, 'method' | 'path'>>>,
    ).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => ({ ...op, method: method.toUpperCase(), path })),
    );
  });
  afterAll(async () => {
    await ctx?.close();
  });

  // Ids that exist nowhere: an authorized call reaches the handler and ends in a 4xx of its own.
  const urlOf = (op: Operation) => op.path.replace(/\{\w+\}/g, '999999');
  const call = (op: Operation, headers: Record<string, string> = {}) =>
    ctx.app.inject({ method: op.method as 'POST', url: urlOf(op), headers, payload: {} });
  const expectDocumentedError = (op: Operation, response: Awaited<ReturnType<typeof call>>) => {
    const where = `${op.method} ${op.path} → ${response.statusCode} ${response.body.slice(0, 200)}`;
    const documented = op.responses[String(response.statusCode)] ?? op.responses['4XX'];
    const schema = documented?.content?.['application/json']?.schema;
    expect(schema, where).toBeDefined();
    expect(ajv.validate(schema!, response.json()), `${where}\n${ajv.errorsText()}`).toBe(true);
    expect(response.json().statusCode, where).toBe(response.statusCode);
  };

  it('classifies every write operation', () => {
    const writes = operations.filter((op) => op.method !== 'GET').map((op) => `${op.method} ${op.path}`);
    const unclassified = writes.filter((key) => !PUBLIC_WRITES.has(key) && !(key in PROTECTED_WRITES));
    expect(unclassified).toEqual([]);
    expect(writes.length).toBe(PUBLIC_WRITES.size + Object.keys(PROTECTED_WRITES).length);
  });

  it('asks every protected write for a token and for its role', async () => {
    for (const op of operations) {
      const role = PROTECTED_WRITES[`${op.method} ${op.path}`];
      if (!role) continue;
      const where = `${op.method} ${op.path}`;
      expect(op.security, `${where} documents bearer auth`).toEqual([{ bearerAuth: [] }]);
      for (const headers of [
        {},
        { authorization: 'Bearer not-a-token' },
        { authorization: 'Basic YTpi' },
      ] as Record<string, string>[]) {
        const response = await call(op, headers);
        expect(response.statusCode, `${where} with ${JSON.stringify(headers)}`).toBe(401);
        expectDocumentedError(op, response);
      }
      for (const lower of BELOW[role]) {
        const response = await call(op, sessions[lower].auth);
        expect(response.statusCode, `${where} as ${lower}`).toBe(403);
        expectDocumentedError(op, response);
      }
      const allowed = await call(op, sessions[role].auth);
      expect([401, 403], `${where} as ${role}: ${allowed.body}`).not.toContain(allowed.statusCode);
      if (allowed.statusCode >= 400) expectDocumentedError(op, allowed);
    }
  });

  it('answers every operation’s 4xx with the documented error shape', async () => {
    let checked = 0;
    for (const op of operations) {
      // Bad path parameters, an unknown query parameter value, and an empty body where one is needed.
      const bad = op.path.replace(/\{\w+\}/g, 'not-an-id');
      for (const url of [bad, `${urlOf(op)}?limit=0&cursor=`]) {
        for (const headers of [{}, sessions.admin.auth]) {
          const response = await ctx.app.inject({ method: op.method as 'POST', url, headers, payload: {} });
          expect(response.statusCode, `${op.method} ${url}`).toBeLessThan(500);
          if (response.statusCode >= 400) {
            expectDocumentedError(op, response);
            checked += 1;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(operations.length);
  });
});
