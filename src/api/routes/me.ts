import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { accountOf } from '../auth/plugin.ts';
import { notFound } from '../errors.ts';
import { businessExists, listBusinesses } from '../queries/businesses.ts';
import { Id, json } from '../schema.ts';
import { AccountBody, toAccountBody } from './account-body.ts';
import { BusinessSummary, toSummary } from './businesses.ts';

const FavouriteParams = z.object({ businessId: Id });
type FavouriteParams = z.infer<typeof FavouriteParams>;

export const MAX_FAVOURITES = 500;

/** The signed-in account and its favourite businesses. Per user, so never cached. */
export async function meRoutes(app: FastifyInstance) {
  app.get(
    '/',
    {
      config: { auth: {} },
      schema: {
        tags: ['account'],
        summary: 'The signed-in account',
        response: { 200: json(AccountBody, 'output') },
      },
    },
    async (request) => toAccountBody(accountOf(request)),
  );

  app.get(
    '/favourites',
    {
      config: { auth: {} },
      schema: {
        tags: ['account'],
        summary: 'Favourite businesses of the signed-in account',
        response: { 200: json(z.object({ items: z.array(BusinessSummary) }), 'output') },
      },
    },
    async (request) => {
      const ids = await app.db
        .selectFrom('api.favourite')
        .select('business_id')
        .where('account_id', '=', accountOf(request).account_id)
        .orderBy('business_id')
        .limit(MAX_FAVOURITES)
        .execute();
      if (ids.length === 0) return { items: [] };
      const { items } = await listBusinesses(app.db, {
        ids: ids.map((row) => row.business_id),
        sort: 'id',
        order: 'asc',
        limit: MAX_FAVOURITES,
      });
      return { items: items.map(toSummary) };
    },
  );

  app.put<{ Params: FavouriteParams }>(
    '/favourites/:businessId',
    {
      config: { auth: { verified: true } },
      schema: {
        tags: ['account'],
        summary: 'Save a business as a favourite (idempotent)',
        params: json(FavouriteParams),
        response: { 204: { type: 'null', description: 'Saved' } },
      },
    },
    async (request, reply) => {
      const { businessId } = request.params;
      if (!(await businessExists(app.db, businessId))) throw notFound(`No business has id ${businessId}`);
      await app.db
        .insertInto('api.favourite')
        .values({ account_id: accountOf(request).account_id, business_id: businessId })
        .onConflict((oc) => oc.doNothing())
        .execute();
      return reply.code(204).send();
    },
  );

  app.delete<{ Params: FavouriteParams }>(
    '/favourites/:businessId',
    {
      config: { auth: {} },
      schema: {
        tags: ['account'],
        summary: 'Remove a favourite (404 if it was not one)',
        params: json(FavouriteParams),
        response: { 204: { type: 'null', description: 'Removed' } },
      },
    },
    async (request, reply) => {
      const { businessId } = request.params;
      const result = await app.db
        .deleteFrom('api.favourite')
        .where('account_id', '=', accountOf(request).account_id)
        .where('business_id', '=', businessId)
        .executeTakeFirst();
      if (result.numDeletedRows === 0n) throw notFound(`Business ${businessId} is not a favourite`);
      return reply.code(204).send();
    },
  );
}
