import type { Kysely } from 'kysely';
import type { EmailTokenPurpose, Schema } from '../../oltp/schema.ts';
import { hashToken, newToken } from './sessions.ts';

/** How long a mailed token is good for: a day to verify an address, half an hour to reset a password. */
export const EMAIL_TOKEN_TTL_MS: Record<EmailTokenPurpose, number> = {
  verify: 24 * 3600_000,
  reset: 30 * 60_000,
};

/** A new single-use token for `purpose`, bound to the address it is sent to. */
export async function issueEmailToken(
  db: Kysely<Schema>,
  account: { account_id: number; email: string },
  purpose: EmailTokenPurpose,
): Promise<string> {
  const token = newToken();
  await db
    .insertInto('api.email_token')
    .values({
      account_id: account.account_id,
      purpose,
      email: account.email,
      token_hash: hashToken(token),
      expires_at: new Date(Date.now() + EMAIL_TOKEN_TTL_MS[purpose]),
    })
    .execute();
  return token;
}

/**
 * Uses a token up: the account id when it is unused, unexpired, of this purpose and still for the
 * account's current address; otherwise undefined. Every other unused token of the same purpose
 * for the account dies with it (one reset, one verification).
 */
export async function consumeEmailToken(
  db: Kysely<Schema>,
  token: string,
  purpose: EmailTokenPurpose,
): Promise<number | undefined> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('api.email_token as t')
      .innerJoin('api.account as a', 'a.account_id', 't.account_id')
      .select([
        't.email_token_id',
        't.account_id',
        't.email',
        't.expires_at',
        't.used_at',
        'a.email as current',
      ])
      .where('t.token_hash', '=', hashToken(token))
      .where('t.purpose', '=', purpose)
      .forUpdate()
      .executeTakeFirst();
    if (!row || row.used_at || row.expires_at.getTime() <= Date.now()) return undefined;
    if (row.email.toLowerCase() !== row.current.toLowerCase()) return undefined;
    await trx
      .updateTable('api.email_token')
      .set({ used_at: new Date() })
      .where('account_id', '=', row.account_id)
      .where('purpose', '=', purpose)
      .where('used_at', 'is', null)
      .execute();
    return row.account_id;
  });
}

/** The account a mailed token belongs to (for per-account rate limits), if it exists. */
export async function accountOfEmailToken(db: Kysely<Schema>, token: string): Promise<number | undefined> {
  const row = await db
    .selectFrom('api.email_token')
    .select('account_id')
    .where('token_hash', '=', hashToken(token))
    .executeTakeFirst();
  return row?.account_id;
}
