import type { FastifyInstance } from 'fastify';
import type { Transaction } from 'kysely';
import { z } from 'zod';
import type { AccountRole, Schema } from '../../oltp/schema.ts';
import { type Account, accountOf } from '../auth/plugin.ts';
import { notFound } from '../errors.ts';
import { getBusiness } from '../queries/businesses.ts';
import { changedKeys, IdParams, json } from '../schema.ts';
import { ACCOUNT_COLUMNS, AccountBody, toAccountBody } from './account-body.ts';
import { BusinessDetail, toDetail } from './businesses.ts';

const Nullable = (max: number) => z.string().min(1).max(max).nullable().optional();

// The fields an admin may correct, and their columns. Identity (yelp id) and the history columns
// the pipeline maintains are not among them.
const BusinessCorrection = z.object({
  name: z.string().min(1).max(300).optional(),
  url: Nullable(2000),
  imageUrl: Nullable(2000),
  phone: Nullable(40),
  displayPhone: Nullable(40),
  address1: Nullable(300),
  address2: Nullable(300),
  address3: Nullable(300),
  zipCode: Nullable(20),
  price: z.number().int().min(1).max(4).nullable().optional().describe('1–4 ($–$$$$) or null'),
  isClosed: z.boolean().optional(),
});
type BusinessCorrection = z.infer<typeof BusinessCorrection>;

const COLUMN_OF = {
  name: 'name',
  url: 'url',
  imageUrl: 'image_url',
  phone: 'phone',
  displayPhone: 'display_phone',
  address1: 'address1',
  address2: 'address2',
  address3: 'address3',
  zipCode: 'zip_code',
  price: 'payment_level_id',
  isClosed: 'is_closed',
} as const satisfies Record<keyof BusinessCorrection, string>;

const AccountChange = z.object({
  role: z.enum(['user', 'moderator', 'admin']).optional(),
  emailVerified: z.boolean().optional(),
});
type AccountChange = z.infer<typeof AccountChange>;

async function audit(
  trx: Transaction<Schema>,
  actor: Account,
  entry: { action: string; entity: string; entityId: number; before: unknown; after: unknown },
) {
  await trx
    .insertInto('ops.audit_log')
    .values({
      account_id: actor.account_id,
      actor_email: actor.email,
      action: entry.action,
      entity: entry.entity,
      entity_id: String(entry.entityId),
      before: JSON.stringify(entry.before),
      after: JSON.stringify(entry.after),
    })
    .execute();
}

/** Admin corrections, each in one transaction with its audit row in ops.audit_log. */
export async function adminRoutes(app: FastifyInstance) {
  app.patch<{ Params: IdParams; Body: BusinessCorrection }>(
    '/businesses/:id',
    {
      config: { auth: { role: 'admin' } },
      schema: {
        tags: ['admin'],
        summary: 'Correct a business record (admins; audited)',
        params: json(IdParams),
        body: { ...json(BusinessCorrection), minProperties: 1 },
        response: { 200: json(BusinessDetail, 'output') },
      },
    },
    async (request) => {
      const { id } = request.params;
      const changes = Object.fromEntries(
        changedKeys(request.body).map((field) => [COLUMN_OF[field], request.body[field]]),
      );
      const columns = Object.keys(changes) as (typeof COLUMN_OF)[keyof typeof COLUMN_OF][];
      await app.db.transaction().execute(async (trx) => {
        const before = await trx
          .selectFrom('business')
          .select(columns)
          .where('business_id', '=', id)
          .forUpdate()
          .executeTakeFirst();
        if (!before) throw notFound(`No business has id ${id}`);
        await trx
          .updateTable('business')
          .set({ ...changes, updated_at: new Date() })
          .where('business_id', '=', id)
          .execute();
        await audit(trx, accountOf(request), {
          action: 'correct',
          entity: 'business',
          entityId: id,
          before,
          after: changes,
        });
      });
      await app.cache.invalidate([`business:${id}`, 'businesses']);
      const row = await getBusiness(app.db, id);
      if (!row) throw notFound(`No business has id ${id}`);
      return toDetail(row);
    },
  );

  app.patch<{ Params: IdParams; Body: AccountChange }>(
    '/admin/accounts/:id',
    {
      config: { auth: { role: 'admin' } },
      schema: {
        tags: ['admin'],
        summary: "Change an account's role or mark its e-mail verified (admins; audited)",
        params: json(IdParams),
        body: { ...json(AccountChange), minProperties: 1 },
        response: { 200: json(AccountBody, 'output') },
      },
    },
    async (request) => {
      const { id } = request.params;
      changedKeys(request.body);
      const { role, emailVerified } = request.body;
      const account = await app.db.transaction().execute(async (trx) => {
        const before = await trx
          .selectFrom('api.account')
          .select(['role', 'email_verified'])
          .where('account_id', '=', id)
          .forUpdate()
          .executeTakeFirst();
        if (!before) throw notFound(`No account has id ${id}`);
        const updated = await trx
          .updateTable('api.account')
          .set({
            updated_at: new Date(),
            ...(role !== undefined && { role: role as AccountRole }),
            ...(emailVerified !== undefined && { email_verified: emailVerified }),
          })
          .where('account_id', '=', id)
          .returning(ACCOUNT_COLUMNS)
          .executeTakeFirstOrThrow();
        await audit(trx, accountOf(request), {
          action: 'update',
          entity: 'account',
          entityId: id,
          before,
          after: request.body,
        });
        return updated;
      });
      return toAccountBody(account);
    },
  );
}
