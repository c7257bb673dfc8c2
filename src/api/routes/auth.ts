import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { loginRateLimit } from '../app.ts';
import { hashPassword, verifyPassword } from '../auth/passwords.ts';
import { accountOf } from '../auth/plugin.ts';
import { issueRefreshToken, revokeRefreshToken, rotateRefreshToken } from '../auth/sessions.ts';
import { ACCESS_TOKEN_TTL_SECONDS } from '../auth/tokens.ts';
import { conflict, HttpError, notFound, unauthorized } from '../errors.ts';
import { json } from '../schema.ts';
import { ACCOUNT_COLUMNS, AccountBody, toAccountBody } from './account-body.ts';

const Email = z.email().max(254);
const Password = z.string().min(8).max(256);
const Credentials = z.object({ email: Email, password: Password });
type Credentials = z.infer<typeof Credentials>;

// OAuth2 password grant (RFC 6749 §4.3): a form or JSON body with username = the e-mail address.
const PasswordGrant = z.object({
  grant_type: z.literal('password').optional(),
  username: z.string().min(1).max(254),
  password: z.string().min(1).max(256),
  scope: z.string().max(256).optional(),
});
type PasswordGrant = z.infer<typeof PasswordGrant>;

const RefreshBody = z.object({ refresh_token: z.string().min(1).max(200) });
type RefreshBody = z.infer<typeof RefreshBody>;

const VerifyBody = z.object({ token: z.string().min(1).max(2000) });
type VerifyBody = z.infer<typeof VerifyBody>;

const TokenPair = z.object({
  access_token: z.string(),
  token_type: z.literal('bearer'),
  expires_in: z.number().int().describe('Seconds the access token lives'),
  refresh_token: z.string().describe('Single use: each refresh returns the next one'),
});

const Registered = z.object({
  account: AccountBody,
  verificationToken: z.string().optional().describe('Only in development mode (GOURMAND_DEV=true)'),
});

const VerificationIssued = z.object({
  verificationToken: z.string().optional().describe('Only in development mode (GOURMAND_DEV=true)'),
});

const UNIQUE_VIOLATION = '23505';

/** Registration, OAuth2 password login, refresh-token rotation, logout and e-mail verification. */
export async function authRoutes(app: FastifyInstance) {
  const strict = { rateLimit: loginRateLimit(app.settings) };

  const tokenPair = async (accountId: number, role: AccountBody['role'], refreshToken: string) => ({
    access_token: await app.tokens.signAccess({ accountId, role }),
    token_type: 'bearer' as const,
    expires_in: ACCESS_TOKEN_TTL_SECONDS,
    refresh_token: refreshToken,
  });

  // There is no mail server: in development the token comes back in the response and the log;
  // otherwise an admin verifies the account (PATCH /admin/accounts/{id}).
  const deliverVerification = async (accountId: number, email: string) => {
    const token = await app.tokens.signVerification(accountId, email);
    if (!app.settings.devMode) return undefined;
    app.log.info({ accountId, email, verificationToken: token }, 'e-mail verification token (dev mode)');
    return token;
  };

  app.post<{ Body: Credentials }>(
    '/register',
    {
      config: strict,
      schema: {
        tags: ['auth'],
        summary: 'Create an account (409 if the e-mail is taken)',
        body: json(Credentials),
        response: { 201: json(Registered, 'output') },
      },
    },
    async (request, reply) => {
      const { email, password } = request.body;
      const passwordHash = await hashPassword(password);
      const account = await app.db
        .insertInto('api.account')
        .values({ email, password_hash: passwordHash })
        .returning(ACCOUNT_COLUMNS)
        .executeTakeFirstOrThrow()
        .catch((error: { code?: string }) => {
          if (error.code === UNIQUE_VIOLATION) {
            throw conflict('An account with this e-mail address exists already');
          }
          throw error;
        });
      const verificationToken = await deliverVerification(account.account_id, account.email);
      return reply.code(201).send({ account: toAccountBody(account), verificationToken });
    },
  );

  app.post<{ Body: PasswordGrant }>(
    '/login',
    {
      config: strict,
      schema: {
        tags: ['auth'],
        summary: 'OAuth2 password grant: e-mail and password for an access and a refresh token',
        consumes: ['application/x-www-form-urlencoded', 'application/json'],
        body: json(PasswordGrant),
        response: { 200: json(TokenPair, 'output') },
      },
    },
    async (request) => {
      const { username, password } = request.body;
      const account = await app.db
        .selectFrom('api.account')
        .select(['account_id', 'role', 'password_hash'])
        .where((eb) => eb(eb.fn('lower', ['email']), '=', username.toLowerCase()))
        .executeTakeFirst();
      if (!(await verifyPassword(account?.password_hash, password)) || !account) {
        throw unauthorized('Incorrect e-mail or password');
      }
      const refreshToken = await issueRefreshToken(app.db, account.account_id);
      return tokenPair(account.account_id, account.role, refreshToken);
    },
  );

  app.post<{ Body: RefreshBody }>(
    '/refresh',
    {
      config: strict,
      schema: {
        tags: ['auth'],
        summary: 'Exchange a refresh token for new tokens (the old one is revoked; reuse revokes all)',
        body: json(RefreshBody),
        response: { 200: json(TokenPair, 'output') },
      },
    },
    async (request) => {
      const result = await rotateRefreshToken(app.db, request.body.refresh_token);
      if (!result.ok) {
        request.log.warn({ reason: result.reason }, 'refresh refused');
        throw unauthorized('The refresh token is invalid, expired or already used; sign in again');
      }
      const account = await app.db
        .selectFrom('api.account')
        .select('role')
        .where('account_id', '=', result.accountId)
        .executeTakeFirstOrThrow();
      return tokenPair(result.accountId, account.role, result.refreshToken);
    },
  );

  app.post<{ Body: RefreshBody }>(
    '/logout',
    {
      schema: {
        tags: ['auth'],
        summary: 'Revoke a refresh token and every token rotated from the same login',
        body: json(RefreshBody),
        response: { 204: { type: 'null', description: 'Revoked' } },
      },
    },
    async (request, reply) => {
      if (!(await revokeRefreshToken(app.db, request.body.refresh_token))) {
        throw notFound('Unknown refresh token');
      }
      return reply.code(204).send();
    },
  );

  app.post<{ Body: VerifyBody }>(
    '/verify',
    {
      schema: {
        tags: ['auth'],
        summary: 'Mark the e-mail address verified with a verification token',
        body: json(VerifyBody),
        response: { 200: json(AccountBody, 'output') },
      },
    },
    async (request) => {
      const accountId = await app.tokens.verifyVerification(request.body.token);
      if (accountId === null) throw new HttpError(400, 'The verification token is invalid or has expired');
      const account = await app.db
        .updateTable('api.account')
        .set({ email_verified: true, updated_at: new Date() })
        .where('account_id', '=', accountId)
        .returning(ACCOUNT_COLUMNS)
        .executeTakeFirst();
      if (!account) throw notFound('The account of this token no longer exists');
      return toAccountBody(account);
    },
  );

  app.post(
    '/verification',
    {
      config: { auth: {} },
      schema: {
        tags: ['auth'],
        summary: 'Issue a new verification token for the signed-in account',
        response: { 202: json(VerificationIssued, 'output') },
      },
    },
    async (request, reply) => {
      const account = accountOf(request);
      const verificationToken = await deliverVerification(account.account_id, account.email);
      return reply.code(202).send({ verificationToken });
    },
  );
}
