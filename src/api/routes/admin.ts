import type { FastifyInstance } from 'fastify';
import { sql, type Transaction } from 'kysely';
import { z } from 'zod';
import type { AccountRole, Schema } from '../../oltp/schema.ts';
import { type Account, accountOf } from '../auth/plugin.ts';
import { notFound } from '../errors.ts';
import { businessExists, getBusiness } from '../queries/businesses.ts';
import { changedKeys, IdParams, json } from '../schema.ts';
import { ACCOUNT_COLUMNS, AccountBody, toAccountBody } from './account-body.ts';
import { BusinessDetail, toDetail } from './businesses.ts';

const Nullable = (max: number) => z.string().min(1).max(max).nullable().optional();

// The fields an admin may correct, and their columns. Identity (yelp id) and the history columns
// the pipeline maintains are not among them. A correction is kept in api.business_override, on top
// of the source value (the daily load never writes over it); null sets a nullable field to null.
const CORRECTABLE = {
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
  isClosed: z
    .boolean()
    .optional()
    .describe('true closes the business (it leaves the current lists, validTo is set); false reopens it'),
};
const BusinessCorrection = z.object({
  ...CORRECTABLE,
  reason: z.string().min(1).max(1000).optional().describe('Why; kept with each corrected field'),
});
type BusinessCorrection = z.infer<typeof BusinessCorrection>;
type CorrectableField = keyof typeof CORRECTABLE;
const CORRECTABLE_FIELDS = Object.keys(CORRECTABLE) as [CorrectableField, ...CorrectableField[]];

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
} as const satisfies Record<CorrectableField, string>;
const FIELD_OF = Object.fromEntries(Object.entries(COLUMN_OF).map(([field, column]) => [column, field]));

const OverrideParams = IdParams.extend({ field: z.enum(CORRECTABLE_FIELDS) });
type OverrideParams = z.infer<typeof OverrideParams>;

const Override = z.object({
  field: z.enum(CORRECTABLE_FIELDS),
  value: z.union([z.string(), z.number(), z.boolean(), z.null()]),
  reason: z.string().nullable(),
  by: z.string().describe('E-mail of the admin who set it'),
  at: z.string(),
});
const Overrides = z.object({ items: z.array(Override) });

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
  /** The business as served after a correction changed, its cache entries dropped. */
  async function corrected(id: number) {
    await app.cache.invalidate([`business:${id}`, 'businesses']);
    const row = await getBusiness(app.database, id);
    if (!row) throw notFound(`No business has id ${id}`);
    return toDetail(row);
  }

  app.patch<{ Params: IdParams; Body: BusinessCorrection }>(
    '/businesses/:id',
    {
      config: { auth: { role: 'admin' } },
      schema: {
        tags: ['admin'],
        summary: 'Correct a business record (admins; audited)',
        description:
          'Each field sent is kept as a correction applied on top of the source value wherever the business is read (API, lake, warehouse); daily loads never write over it. `DELETE /businesses/{id}/overrides/{field}` removes a correction and restores the source value.',
        params: json(IdParams),
        body: { ...json(BusinessCorrection), minProperties: 1 },
        response: { 200: json(BusinessDetail, 'output') },
      },
    },
    async (request) => {
      const { id } = request.params;
      const { reason, ...fields } = request.body;
      const changed = changedKeys(fields as Omit<BusinessCorrection, 'reason'>);
      const changes = Object.fromEntries(changed.map((field) => [COLUMN_OF[field], fields[field] ?? null]));
      const columns = Object.keys(changes) as (typeof COLUMN_OF)[CorrectableField][];
      const actor = accountOf(request);
      await app.db.transaction().execute(async (trx) => {
        const locked = await trx
          .selectFrom('business')
          .select('business_id')
          .where('business_id', '=', id)
          .forUpdate()
          .executeTakeFirst();
        if (!locked) throw notFound(`No business has id ${id}`);
        const before = await trx
          .selectFrom('business_effective')
          .select(columns)
          .where('business_id', '=', id)
          .executeTakeFirstOrThrow();
        await trx
          .insertInto('api.business_override')
          .values(
            columns.map((column) => ({
              business_id: id,
              field: column,
              value: JSON.stringify(changes[column]),
              reason: reason ?? null,
              account_id: actor.account_id,
              actor_email: actor.email,
            })),
          )
          .onConflict((oc) =>
            oc.columns(['business_id', 'field']).doUpdateSet((eb) => ({
              value: eb.ref('excluded.value'),
              reason: eb.ref('excluded.reason'),
              account_id: eb.ref('excluded.account_id'),
              actor_email: eb.ref('excluded.actor_email'),
              set_at: sql`now()`,
            })),
          )
          .execute();
        await audit(trx, actor, {
          action: 'correct',
          entity: 'business',
          entityId: id,
          before,
          after: reason === undefined ? changes : { ...changes, reason },
        });
      });
      return corrected(id);
    },
  );

  app.get<{ Params: IdParams }>(
    '/businesses/:id/overrides',
    {
      config: { auth: { role: 'admin' } },
      schema: {
        tags: ['admin'],
        summary: "A business's corrections in force: field, value, reason, who and when (admins)",
        params: json(IdParams),
        response: { 200: json(Overrides, 'output') },
      },
    },
    async (request) => {
      const { id } = request.params;
      if (!(await businessExists(app.db, id))) throw notFound(`No business has id ${id}`);
      const rows = await app.db
        .selectFrom('api.business_override')
        .selectAll()
        .where('business_id', '=', id)
        .orderBy('field')
        .execute();
      return {
        items: rows.map((row) => ({
          field: FIELD_OF[row.field],
          value: row.value,
          reason: row.reason,
          by: row.actor_email,
          at: new Date(row.set_at).toISOString(),
        })),
      };
    },
  );

  app.delete<{ Params: OverrideParams }>(
    '/businesses/:id/overrides/:field',
    {
      config: { auth: { role: 'admin' } },
      schema: {
        tags: ['admin'],
        summary: 'Remove a correction: the source value applies again (admins; audited)',
        params: json(OverrideParams),
        response: { 200: json(BusinessDetail, 'output') },
      },
    },
    async (request) => {
      const { id, field } = request.params;
      const column = COLUMN_OF[field];
      await app.db.transaction().execute(async (trx) => {
        const removed = await trx
          .deleteFrom('api.business_override')
          .where('business_id', '=', id)
          .where('field', '=', column)
          .returning(['value', 'reason'])
          .executeTakeFirst();
        if (!removed) throw notFound(`Business ${id} has no correction of ${field}`);
        await audit(trx, accountOf(request), {
          action: 'restore',
          entity: 'business',
          entityId: id,
          before: { [column]: removed.value, reason: removed.reason },
          after: null,
        });
      });
      return corrected(id);
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
