import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiContext,
  apiBackends,
  cacheBackends,
  createApiContext,
  expectError,
  JWT_SECRET,
  signUp,
} from './support.ts';

const key = new TextEncoder().encode(JWT_SECRET);
const accessToken = (sub: string, options: { exp?: number; audience?: string; alg?: string } = {}) =>
  new SignJWT({ role: 'admin' })
    .setProtectedHeader({ alg: options.alg ?? 'HS256' })
    .setSubject(sub)
    .setIssuer('gourmand')
    .setAudience(options.audience ?? 'gourmand-api')
    .setIssuedAt()
    .setExpirationTime(options.exp ?? Math.floor(Date.now() / 1000) + 600)
    .sign(key);

describe.each(apiBackends)('accounts and tokens on %s with %s cache', (backend, cacheKind) => {
  let ctx: ApiContext;
  beforeAll(async () => {
    ctx = await createApiContext(backend, cacheKind);
  });
  afterAll(async () => {
    await ctx?.close();
  });

  const post = (url: string, payload: object, headers: Record<string, string> = {}) =>
    ctx.app.inject({ method: 'POST', url, payload, headers });
  const me = (authorization?: string) =>
    ctx.app.inject({ method: 'GET', url: '/me', headers: authorization ? { authorization } : {} });

  it('registers with an argon2id hash, refuses a duplicate e-mail with 409 and bad input with 400', async () => {
    const created = await post('/auth/register', { email: 'Ann@Example.com', password: 'long enough pw' });
    expect(created.statusCode).toBe(201);
    const body = created.json();
    expect(body.account).toMatchObject({ email: 'Ann@Example.com', role: 'user', emailVerified: false });
    // Dev mode (test settings) returns the verification token; there is no mail server.
    expect(typeof body.verificationToken).toBe('string');
    const stored = await ctx.database.db
      .selectFrom('api.account')
      .select('password_hash')
      .where('account_id', '=', body.account.id)
      .executeTakeFirstOrThrow();
    expect(stored.password_hash).toMatch(/^\$argon2id\$/);
    expectError(await post('/auth/register', { email: 'ann@example.COM', password: 'another pw 123' }), 409);
    expectError(await post('/auth/register', { email: 'not-an-email', password: 'long enough pw' }), 400);
    expectError(await post('/auth/register', { email: 'bob@example.com', password: 'short' }), 400);
    expectError(await post('/auth/register', { email: 'bob@example.com' }), 400);
  });

  it('signs in with the OAuth2 password grant (form or JSON) and refuses wrong credentials with 401', async () => {
    await post('/auth/register', { email: 'cat@example.com', password: 'cat password 1' });
    const form = await ctx.app.inject({
      method: 'POST',
      url: '/auth/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'grant_type=password&username=cat%40example.com&password=cat+password+1',
    });
    expect(form.statusCode).toBe(200);
    const tokens = form.json();
    expect(tokens).toMatchObject({ token_type: 'bearer', expires_in: 900 });
    const who = await me(`Bearer ${tokens.access_token}`);
    expect(who.statusCode).toBe(200);
    expect(who.json()).toMatchObject({ email: 'cat@example.com', role: 'user', emailVerified: false });
    const json = await post('/auth/login', { username: 'CAT@example.com', password: 'cat password 1' });
    expect(json.statusCode).toBe(200);
    expectError(await post('/auth/login', { username: 'cat@example.com', password: 'wrong password' }), 401);
    expectError(
      await post('/auth/login', { username: 'nobody@example.com', password: 'cat password 1' }),
      401,
    );
    expectError(
      await post('/auth/login', { username: 'cat@example.com', password: 'x', grant_type: 'client' }),
      400,
    );
  });

  it('refuses missing, expired, tampered, foreign and wrong-audience tokens with 401', async () => {
    const session = await signUp(ctx);
    expectError(await me(), 401);
    expectError(await me('Basic abc'), 401);
    expectError(await me('Bearer not.a.jwt'), 401);
    const expired = await accessToken(String(session.accountId), { exp: Math.floor(Date.now() / 1000) - 10 });
    expectError(await me(`Bearer ${expired}`), 401);
    const [header, payload, signature] = session.accessToken.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: '1' })).toString('base64url');
    expectError(await me(`Bearer ${header}.${forged}.${signature}`), 401);
    const otherKey = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(String(session.accountId))
      .setIssuer('gourmand')
      .setAudience('gourmand-api')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('another-secret-another-secret-another-secret'));
    expectError(await me(`Bearer ${otherKey}`), 401);
    // A verification token is not an access token.
    const verification = await accessToken(String(session.accountId), { audience: 'gourmand-verify-email' });
    expectError(await me(`Bearer ${verification}`), 401);
    // A valid token of an account that was deleted.
    await ctx.database.db.deleteFrom('api.account').where('account_id', '=', session.accountId).execute();
    expectError(await me(session.auth.authorization), 401);
  });

  it('rotates refresh tokens; a revoked one cannot be reused and its reuse revokes the family', async () => {
    const session = await signUp(ctx);
    const first = await post('/auth/refresh', { refresh_token: session.refreshToken });
    expect(first.statusCode).toBe(200);
    const next = first.json().refresh_token;
    expect(next).not.toBe(session.refreshToken);
    expect((await me(`Bearer ${first.json().access_token}`)).statusCode).toBe(200);
    // Reusing the rotated token is refused, and kills the token that replaced it too.
    expectError(await post('/auth/refresh', { refresh_token: session.refreshToken }), 401);
    expectError(await post('/auth/refresh', { refresh_token: next }), 401);
    expectError(await post('/auth/refresh', { refresh_token: 'made-up' }), 401);
  });

  it('logout revokes the refresh token of the signed-in account only', async () => {
    const session = await signUp(ctx);
    const other = await signUp(ctx);
    expectError(await post('/auth/logout', { refresh_token: session.refreshToken }), 401);
    expectError(await post('/auth/logout', { refresh_token: session.refreshToken }, other.auth), 404);
    const out = await post('/auth/logout', { refresh_token: session.refreshToken }, session.auth);
    expect(out.statusCode).toBe(204);
    expectError(await post('/auth/refresh', { refresh_token: session.refreshToken }), 401);
    expectError(await post('/auth/logout', { refresh_token: 'unknown' }, session.auth), 404);
  });

  it('refuses a refresh token whose login is older than API_REFRESH_MAX_DAYS, however often it rotated', async () => {
    const session = await signUp(ctx);
    const rotated = await post('/auth/refresh', { refresh_token: session.refreshToken });
    expect(rotated.statusCode).toBe(200);
    // The login began 90 days and a minute ago (the default lifetime); its newest token is fresh.
    const longAgo = new Date(Date.now() - 90 * 86_400_000 - 60_000);
    await ctx.database.db
      .updateTable('api.refresh_token')
      .set({ created_at: longAgo })
      .where('account_id', '=', session.accountId)
      .where('revoked_at', 'is not', null)
      .execute();
    expectError(await post('/auth/refresh', { refresh_token: rotated.json().refresh_token }), 401);
    // A new login starts a new family.
    const again = await signUp(ctx);
    expect((await post('/auth/refresh', { refresh_token: again.refreshToken })).statusCode).toBe(200);
  });

  it('caps each refresh token at the end of its login', async () => {
    const session = await signUp(ctx);
    const row = await ctx.database.db
      .selectFrom('api.refresh_token')
      .select(['created_at', 'expires_at'])
      .where('account_id', '=', session.accountId)
      .executeTakeFirstOrThrow();
    // 30 days (the sliding lifetime) is less than 90 (the absolute one).
    const days = (new Date(row.expires_at).getTime() - new Date(row.created_at).getTime()) / 86_400_000;
    expect(Math.round(days)).toBe(30);
  });

  it('verifies the e-mail address with the token once, and refuses a bad one', async () => {
    const registered = await post('/auth/register', { email: 'dan@example.com', password: 'dan password 1' });
    const { verificationToken } = registered.json();
    expectError(await post('/auth/verify', { token: `${verificationToken}x` }), 400);
    const verified = await post('/auth/verify', { token: verificationToken });
    expect(verified.statusCode).toBe(200);
    expect(verified.json()).toMatchObject({ email: 'dan@example.com', emailVerified: true });
    // Single use: the same token again is refused.
    expectError(await post('/auth/verify', { token: verificationToken }), 400);
    // A signed-in account can ask for a fresh token (returned in dev mode).
    const session = await signUp(ctx, { verified: false });
    const again = await post('/auth/verification', {}, session.auth);
    expect(again.statusCode).toBe(202);
    expect(typeof again.json().verificationToken).toBe('string');
    expectError(await post('/auth/verification', {}), 401);
  });

  it('binds a verification token to the address it was sent to', async () => {
    const registered = await post('/auth/register', { email: 'eve@example.com', password: 'eve password 1' });
    const { account, verificationToken } = registered.json();
    await ctx.database.db
      .updateTable('api.account')
      .set({ email: 'eve-new@example.com' })
      .where('account_id', '=', account.id)
      .execute();
    expectError(await post('/auth/verify', { token: verificationToken }), 400);
    const stored = await ctx.database.db
      .selectFrom('api.account')
      .select('email_verified')
      .where('account_id', '=', account.id)
      .executeTakeFirstOrThrow();
    expect(stored.email_verified).toBe(false);
  });
});

// Rate limits live in memory or in Redis, never in the database: one database backend is enough.
const limiterBackends = cacheBackends.map((cache) => ['pglite', cache] as const);

describe.each(limiterBackends)('rate limits on %s with %s cache', (backend, cacheKind) => {
  let ctx: ApiContext;
  beforeAll(async () => {
    ctx = await createApiContext(backend, cacheKind, { API_LOGIN_RATE_LIMIT: '3', API_RATE_LIMIT: '5' });
  });
  afterAll(async () => {
    await ctx?.close();
  });

  it('limits login attempts per IP more strictly than other routes, with 429 and Retry-After', async () => {
    const attempt = () =>
      ctx.app.inject({
        method: 'POST',
        url: '/auth/login',
        payload: { username: 'x@example.com', password: 'nope' },
      });
    for (let i = 0; i < 3; i++) expect((await attempt()).statusCode).toBe(401);
    const limited = await attempt();
    expectError(limited, 429);
    expect(limited.headers['retry-after']).toBeDefined();
  });

  it('limits every other route per client', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push((await ctx.app.inject({ method: 'GET', url: '/states' })).statusCode);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    // Health checks are never limited.
    expect((await ctx.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });
});

describe.each(limiterBackends)('per-client rate limit buckets on %s with %s cache', (backend, cacheKind) => {
  let ctx: ApiContext;
  beforeAll(async () => {
    ctx = await createApiContext(backend, cacheKind, { API_RATE_LIMIT: '3' });
  });
  afterAll(async () => {
    await ctx?.close();
  });

  it('counts a signed-in client by its account, apart from its IP', async () => {
    const session = await signUp(ctx);
    const states = async (headers: Record<string, string> = {}) => {
      const codes: number[] = [];
      for (let i = 0; i < 4; i++)
        codes.push((await ctx.app.inject({ method: 'GET', url: '/states', headers })).statusCode);
      return codes;
    };
    expect(await states()).toEqual([200, 200, 200, 429]);
    expect(await states(session.auth)).toEqual([200, 200, 200, 429]);
    // A garbage token does not buy a fresh budget: it counts against the IP.
    expect(await states({ authorization: 'Bearer garbage' })).toEqual([429, 429, 429, 429]);
  });
});
