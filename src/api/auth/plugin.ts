import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { AccountRole } from '../../oltp/schema.ts';
import { forbidden, unauthorized } from '../errors.ts';

/** What a route asks of its caller, in its `config.auth`; routes without it are public. */
export interface AuthRule {
  /** Lowest role allowed; default 'user'. */
  role?: AccountRole;
  /** The e-mail address must be verified (every write of user content). */
  verified?: boolean;
}

export interface Account {
  account_id: number;
  email: string;
  role: AccountRole;
  email_verified: boolean;
  created_at: Date;
}

const RANK: Record<AccountRole, number> = { user: 0, moderator: 1, admin: 2 };

export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
}

/**
 * One hook does authentication and authorization for every route that declares `config.auth`:
 * a valid access token of an account that still exists, with a high enough role. The account is
 * read from the database on each request, so a demoted or deleted account loses access at once.
 */
export const authPlugin = fp(async (app: FastifyInstance) => {
  app.decorateRequest('account', null);

  const authenticate = async (request: FastifyRequest) => {
    const rule = request.routeOptions.config.auth!;
    const token = bearerToken(request);
    if (!token) throw unauthorized();
    const accountId = await app.tokens.verifyAccess(token);
    if (accountId === null) throw unauthorized('The access token is invalid or has expired');
    const account = await app.db
      .selectFrom('api.account')
      .select(['account_id', 'email', 'role', 'email_verified', 'created_at'])
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    if (!account) throw unauthorized('The account of this token no longer exists');
    const needed = rule.role ?? 'user';
    if (RANK[account.role] < RANK[needed]) throw forbidden(`This needs the ${needed} role`);
    if (rule.verified && !account.email_verified) {
      throw forbidden('Verify your e-mail address first (POST /auth/verify)');
    }
    request.account = account;
  };

  // Only routes that declare `config.auth` get the hook (and the bearer scheme in the OpenAPI doc).
  app.addHook('onRoute', (route) => {
    if (!route.config?.auth) return;
    route.schema = { ...route.schema, security: [{ bearerAuth: [] }] };
    const existing = route.onRequest === undefined ? [] : [route.onRequest].flat();
    route.onRequest = [...existing, authenticate];
  });
});

/** The signed-in account of a route that declares `config.auth` (the hook guarantees it). */
export function accountOf(request: FastifyRequest): Account {
  if (!request.account) throw unauthorized();
  return request.account;
}
