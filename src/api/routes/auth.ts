import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { accountOfEmailToken, consumeEmailToken, issueEmailToken } from '../auth/email-tokens.ts';
import { hashPassword, verifyPassword } from '../auth/passwords.ts';
import { accountOf } from '../auth/plugin.ts';
import {
  accountOfRefreshToken,
  issueRefreshToken,
  revokeAllSessions,
  revokeRefreshToken,
  rotateRefreshToken,
} from '../auth/sessions.ts';
import { ACCESS_TOKEN_TTL_SECONDS } from '../auth/tokens.ts';
import { badRequest, conflict, notFound, unauthorized } from '../errors.ts';
import { perAccountLimit, perIpLimit } from '../limits.ts';
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

const MailedToken = z.string().min(1).max(200);
const VerifyBody = z.object({ token: MailedToken });
type VerifyBody = z.infer<typeof VerifyBody>;
const ResetRequest = z.object({ email: z.string().min(1).max(254) });
type ResetRequest = z.infer<typeof ResetRequest>;
const ResetConfirm = z.object({ token: MailedToken, password: Password });
type ResetConfirm = z.infer<typeof ResetConfirm>;

const TokenPair = z.object({
  access_token: z.string(),
  token_type: z.literal('bearer'),
  expires_in: z.number().int().describe('Seconds the access token lives'),
  refresh_token: z.string().describe('Single use: each refresh returns the next one'),
});

const DEV_ONLY = 'Only in development mode (GOURMAND_DEV=true) without SMTP_URL';
const Registered = z.object({
  account: AccountBody,
  verificationToken: z.string().optional().describe(DEV_ONLY),
});
const VerificationIssued = z.object({ verificationToken: z.string().optional().describe(DEV_ONLY) });
const ResetIssued = z.object({ resetToken: z.string().optional().describe(DEV_ONLY) });

const UNIQUE_VIOLATION = '23505';

/**
 * Registration, OAuth2 password login, refresh-token rotation, logout, e-mail verification and
 * password reset. The sign-in routes are limited per IP and per account (limits.ts).
 */
export async function authRoutes(app: FastifyInstance) {
  const strict = { rateLimit: perIpLimit(app.settings) };
  const lower = (value: string) => value.toLowerCase();
  const maxDays = app.settings.apiRefreshMaxDays;

  const tokenPair = async (accountId: number, role: AccountBody['role'], refreshToken: string) => ({
    access_token: await app.tokens.signAccess({ accountId, role }),
    token_type: 'bearer' as const,
    expires_in: ACCESS_TOKEN_TTL_SECONDS,
    refresh_token: refreshToken,
  });

  /**
   * Mails a token when SMTP_URL is set; otherwise development mode returns it to the caller, and
   * outside it nobody gets it (an admin verifies accounts). A failed send is logged, not thrown:
   * the caller may ask again.
   */
  const deliver = async (
    account: { account_id: number; email: string },
    purpose: 'verify' | 'reset',
  ): Promise<string | undefined> => {
    const token = await issueEmailToken(app.db, account, purpose);
    if (!app.mailer) return app.settings.devMode ? token : undefined;
    const base = app.settings.apiPublicUrl.replace(/\/$/, '');
    const mail =
      purpose === 'verify'
        ? {
            subject: 'Confirm your e-mail address for Gourmand',
            text: `Open this link to confirm your address (it works once, for 24 hours):\n\n${base}/auth/verify?token=${token}\n`,
          }
        : {
            subject: 'Reset your Gourmand password',
            text: `Someone asked to reset the password of this account. To choose a new one, send this token with it to POST ${base}/auth/password-reset/confirm (it works once, for 30 minutes):\n\n${token}\n\nIf it was not you, ignore this mail.`,
          };
    await app.mailer.send({ to: account.email, ...mail }).catch((error: unknown) => {
      app.log.error({ err: error, purpose }, 'mail could not be sent');
    });
    return undefined;
  };

  app.post<{ Body: Credentials }>(
    '/register',
    {
      config: strict,
      preHandler: perAccountLimit(app, 'register', (request) => lower((request.body as Credentials).email)),
      schema: {
        tags: ['auth'],
        summary: 'Create an account (409 if the e-mail is taken); the verification link is mailed',
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
      const verificationToken = await deliver(account, 'verify');
      return reply.code(201).send({ account: toAccountBody(account), verificationToken });
    },
  );

  app.post<{ Body: PasswordGrant }>(
    '/login',
    {
      config: strict,
      preHandler: perAccountLimit(app, 'login', (request) => lower((request.body as PasswordGrant).username)),
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
      const refreshToken = await issueRefreshToken(app.db, account.account_id, maxDays);
      return tokenPair(account.account_id, account.role, refreshToken);
    },
  );

  app.post<{ Body: RefreshBody }>(
    '/refresh',
    {
      config: strict,
      preHandler: perAccountLimit(app, 'refresh', (request) =>
        accountOfRefreshToken(app.db, (request.body as RefreshBody).refresh_token),
      ),
      schema: {
        tags: ['auth'],
        summary: `Exchange a refresh token for new tokens (the old one is revoked; reuse revokes all; a login lasts at most API_REFRESH_MAX_DAYS)`,
        body: json(RefreshBody),
        response: { 200: json(TokenPair, 'output') },
      },
    },
    async (request) => {
      const result = await rotateRefreshToken(app.db, request.body.refresh_token, maxDays);
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
      config: { auth: {} },
      schema: {
        tags: ['auth'],
        summary: 'Revoke a refresh token of yours and every token rotated from the same login',
        body: json(RefreshBody),
        response: { 204: { type: 'null', description: 'Revoked' } },
      },
    },
    async (request, reply) => {
      if (!(await revokeRefreshToken(app.db, request.body.refresh_token, accountOf(request).account_id))) {
        throw notFound('Unknown refresh token');
      }
      return reply.code(204).send();
    },
  );

  const verify = async (token: string) => {
    const accountId = await consumeEmailToken(app.db, token, 'verify');
    if (accountId === undefined) {
      throw badRequest('The verification token is invalid, used or expired; ask for a new one');
    }
    const account = await app.db
      .updateTable('api.account')
      .set({ email_verified: true, updated_at: new Date() })
      .where('account_id', '=', accountId)
      .returning(ACCOUNT_COLUMNS)
      .executeTakeFirst();
    if (!account) throw notFound('The account of this token no longer exists');
    return toAccountBody(account);
  };
  const verifyLimit = perAccountLimit(app, 'verify', (request) =>
    accountOfEmailToken(app.db, ((request.body ?? request.query) as VerifyBody).token),
  );

  app.post<{ Body: VerifyBody }>(
    '/verify',
    {
      config: strict,
      preHandler: verifyLimit,
      schema: {
        tags: ['auth'],
        summary: 'Mark the e-mail address verified with its verification token (single use)',
        body: json(VerifyBody),
        response: { 200: json(AccountBody, 'output') },
      },
    },
    async (request) => verify(request.body.token),
  );

  app.get<{ Querystring: VerifyBody }>(
    '/verify',
    {
      config: strict,
      preHandler: verifyLimit,
      schema: {
        tags: ['auth'],
        summary: 'The link in the verification mail: the same as POST /auth/verify',
        querystring: json(VerifyBody),
        response: { 200: json(AccountBody, 'output') },
      },
    },
    async (request) => verify(request.query.token),
  );

  app.post(
    '/verification',
    {
      config: { auth: {} },
      schema: {
        tags: ['auth'],
        summary: 'Mail a new verification link to the signed-in account',
        response: { 202: json(VerificationIssued, 'output') },
      },
    },
    async (request, reply) => {
      const verificationToken = await deliver(accountOf(request), 'verify');
      return reply.code(202).send({ verificationToken });
    },
  );

  app.post<{ Body: ResetRequest }>(
    '/password-reset',
    {
      config: strict,
      preHandler: perAccountLimit(app, 'reset', (request) => lower((request.body as ResetRequest).email)),
      schema: {
        tags: ['auth'],
        summary: 'Mail a password-reset token (202 whether or not the address has an account)',
        body: json(ResetRequest),
        response: { 202: json(ResetIssued, 'output') },
      },
    },
    async (request, reply) => {
      const account = await app.db
        .selectFrom('api.account')
        .select(['account_id', 'email'])
        .where((eb) => eb(eb.fn('lower', ['email']), '=', request.body.email.toLowerCase()))
        .executeTakeFirst();
      const resetToken = account ? await deliver(account, 'reset') : undefined;
      return reply.code(202).send({ resetToken });
    },
  );

  app.post<{ Body: ResetConfirm }>(
    '/password-reset/confirm',
    {
      config: strict,
      preHandler: perAccountLimit(app, 'reset-confirm', (request) =>
        accountOfEmailToken(app.db, (request.body as ResetConfirm).token),
      ),
      schema: {
        tags: ['auth'],
        summary: 'Set a new password with a reset token (single use); every session of the account ends',
        body: json(ResetConfirm),
        response: { 204: { type: 'null', description: 'Password changed; sign in again' } },
      },
    },
    async (request, reply) => {
      const accountId = await consumeEmailToken(app.db, request.body.token, 'reset');
      if (accountId === undefined) {
        throw badRequest('The reset token is invalid, used or expired; ask for a new one');
      }
      const passwordHash = await hashPassword(request.body.password);
      await app.db
        .updateTable('api.account')
        .set({ password_hash: passwordHash, updated_at: new Date() })
        .where('account_id', '=', accountId)
        .execute();
      await revokeAllSessions(app.db, accountId);
      return reply.code(204).send();
    },
  );
}
