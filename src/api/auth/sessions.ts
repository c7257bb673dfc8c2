import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Schema } from '../../oltp/schema.ts';

export const REFRESH_TOKEN_TTL_DAYS = 30;
const DAY_MS = 86_400_000;

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
export const newToken = () => randomBytes(32).toString('base64url');

/**
 * Starts a refresh-token family (a login) or continues one (a refresh); returns the opaque token.
 * Each token lives REFRESH_TOKEN_TTL_DAYS, but never past the family's absolute end (`maxDays`
 * after the login), so rotating forever does not keep a login alive forever.
 */
export async function issueRefreshToken(
  db: Kysely<Schema>,
  accountId: number,
  maxDays: number,
  family: { id: string; startedAt: Date } = { id: randomUUID(), startedAt: new Date() },
): Promise<string> {
  const token = newToken();
  const expiresAt = Math.min(
    Date.now() + REFRESH_TOKEN_TTL_DAYS * DAY_MS,
    familyEnd(family.startedAt, maxDays),
  );
  await db
    .insertInto('api.refresh_token')
    .values({
      account_id: accountId,
      family_id: family.id,
      token_hash: hashToken(token),
      expires_at: new Date(expiresAt),
    })
    .execute();
  return token;
}

const familyEnd = (startedAt: Date, maxDays: number) => startedAt.getTime() + maxDays * DAY_MS;

/** The account a refresh token belongs to (for per-account rate limits), if it exists. */
export async function accountOfRefreshToken(db: Kysely<Schema>, token: string): Promise<number | undefined> {
  const row = await db
    .selectFrom('api.refresh_token')
    .select('account_id')
    .where('token_hash', '=', hashToken(token))
    .executeTakeFirst();
  return row?.account_id;
}

export type RotateResult =
  | { ok: true; accountId: number; refreshToken: string }
  | { ok: false; reason: 'unknown' | 'expired' | 'reused' };

/**
 * Exchanges a refresh token for the next one of its family. A token that was already used or
 * revoked is a sign of theft: the whole family is revoked, so the thief's copy dies too.
 */
export async function rotateRefreshToken(
  db: Kysely<Schema>,
  token: string,
  maxDays: number,
): Promise<RotateResult> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('api.refresh_token')
      .select(['refresh_token_id', 'account_id', 'family_id', 'expires_at', 'revoked_at'])
      .where('token_hash', '=', hashToken(token))
      .forUpdate()
      .executeTakeFirst();
    if (!row) return { ok: false, reason: 'unknown' } as const;
    if (row.revoked_at) {
      await revokeFamily(trx, row.family_id);
      return { ok: false, reason: 'reused' } as const;
    }
    if (row.expires_at.getTime() <= Date.now()) return { ok: false, reason: 'expired' } as const;
    // The login's first token is the family's start.
    const { started } = await trx
      .selectFrom('api.refresh_token')
      .select((eb) => eb.fn.min<Date>('created_at').as('started'))
      .where('family_id', '=', row.family_id)
      .executeTakeFirstOrThrow();
    const startedAt = new Date(started);
    if (familyEnd(startedAt, maxDays) <= Date.now()) {
      await revokeFamily(trx, row.family_id);
      return { ok: false, reason: 'expired' } as const;
    }
    await trx
      .updateTable('api.refresh_token')
      .set({ revoked_at: new Date() })
      .where('refresh_token_id', '=', row.refresh_token_id)
      .execute();
    const refreshToken = await issueRefreshToken(trx, row.account_id, maxDays, {
      id: row.family_id,
      startedAt,
    });
    return { ok: true, accountId: row.account_id, refreshToken } as const;
  });
}

/** Logout: revokes the token's whole family. False when the token is not one of the account's. */
export async function revokeRefreshToken(
  db: Kysely<Schema>,
  token: string,
  accountId: number,
): Promise<boolean> {
  const row = await db
    .selectFrom('api.refresh_token')
    .select('family_id')
    .where('token_hash', '=', hashToken(token))
    .where('account_id', '=', accountId)
    .executeTakeFirst();
  if (!row) return false;
  await revokeFamily(db, row.family_id);
  return true;
}

/** Every login of the account ends (after a password reset). */
export async function revokeAllSessions(db: Kysely<Schema>, accountId: number): Promise<void> {
  await db
    .updateTable('api.refresh_token')
    .set({ revoked_at: new Date() })
    .where('account_id', '=', accountId)
    .where('revoked_at', 'is', null)
    .execute();
}

async function revokeFamily(db: Kysely<Schema>, familyId: string) {
  await db
    .updateTable('api.refresh_token')
    .set({ revoked_at: new Date() })
    .where('family_id', '=', familyId)
    .where('revoked_at', 'is', null)
    .execute();
}
