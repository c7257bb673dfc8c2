import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Schema } from '../../oltp/schema.ts';

export const REFRESH_TOKEN_TTL_DAYS = 30;

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** Starts a refresh-token family (a login) or continues one (a refresh); returns the opaque token. */
export async function issueRefreshToken(
  db: Kysely<Schema>,
  accountId: number,
  familyId: string = randomUUID(),
): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await db
    .insertInto('api.refresh_token')
    .values({
      account_id: accountId,
      family_id: familyId,
      token_hash: hashToken(token),
      expires_at: new Date(Date.now() + REFRESH_TOKEN_TTL_DAYS * 86_400_000),
    })
    .execute();
  return token;
}

export type RotateResult =
  | { ok: true; accountId: number; refreshToken: string }
  | { ok: false; reason: 'unknown' | 'expired' | 'reused' };

/**
 * Exchanges a refresh token for the next one of its family. A token that was already used or
 * revoked is a sign of theft: the whole family is revoked, so the thief's copy dies too.
 */
export async function rotateRefreshToken(db: Kysely<Schema>, token: string): Promise<RotateResult> {
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
    await trx
      .updateTable('api.refresh_token')
      .set({ revoked_at: new Date() })
      .where('refresh_token_id', '=', row.refresh_token_id)
      .execute();
    const refreshToken = await issueRefreshToken(trx, row.account_id, row.family_id);
    return { ok: true, accountId: row.account_id, refreshToken } as const;
  });
}

/** Logout: revokes the token's whole family. False when the token is unknown. */
export async function revokeRefreshToken(db: Kysely<Schema>, token: string): Promise<boolean> {
  const row = await db
    .selectFrom('api.refresh_token')
    .select('family_id')
    .where('token_hash', '=', hashToken(token))
    .executeTakeFirst();
  if (!row) return false;
  await revokeFamily(db, row.family_id);
  return true;
}

async function revokeFamily(db: Kysely<Schema>, familyId: string) {
  await db
    .updateTable('api.refresh_token')
    .set({ revoked_at: new Date() })
    .where('family_id', '=', familyId)
    .where('revoked_at', 'is', null)
    .execute();
}
