import { type Kysely, type RawBuilder, sql } from 'kysely';
import { compiledOnce, queryPrepared, type SourceDatabase } from '../../oltp/database.ts';
import type { Schema } from '../../oltp/schema.ts';
import { badRequest } from '../errors.ts';
import { IsoDate } from '../schema.ts';

export const SORT_FIELDS = ['id', 'name', 'rating', 'review_count'] as const;
export type SortField = (typeof SORT_FIELDS)[number];
export type SortOrder = 'asc' | 'desc';

/**
 * The only SQL a sort parameter can reach: one of these fixed expressions (the original put the
 * user's string into ORDER BY). Businesses without holdings sort as rating/review count -1. Each
 * is, with business_id, the key of an index on business_current (migration 0100).
 */
const SORT_SQL: Record<SortField, RawBuilder<unknown>> = {
  id: sql`b.business_id`,
  name: sql`b.name`,
  rating: sql`coalesce(b.rating, -1)`,
  review_count: sql`coalesce(b.review_count, -1)`,
};

export interface BusinessFilter {
  /** Only these businesses (a user's favourites). */
  ids?: number[];
  state?: string;
  city?: string;
  category?: string;
  price?: number[];
  minRating?: number;
  maxRating?: number;
  open?: boolean;
  q?: string;
  sort: SortField;
  order: SortOrder;
  limit: number;
  cursor?: string;
}

type CursorValue = [sort: SortField, order: SortOrder, value: string | number, id: number];

export function encodeCursor(value: unknown[]): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeCursor(cursor: string): unknown[] {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value)) return value;
  } catch {}
  throw badRequest('Invalid cursor: pass the `next` value of the previous page unchanged');
}

const INT_MAX = 2_147_483_647;
const isIntIn = (value: unknown, min: number, max: number) =>
  Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max;

// A cursor is client-held, so it is checked as strictly as a parameter: values outside the column's
// range would otherwise reach the database as an overflow.
const CURSOR_VALUE_OK: Record<SortField, (value: unknown) => boolean> = {
  id: (value) => isIntIn(value, 1, INT_MAX),
  name: (value) => typeof value === 'string' && value.length <= 1000 && !value.includes('\u0000'),
  rating: (value) => typeof value === 'number' && value >= -1 && value <= 5,
  review_count: (value) => isIntIn(value, -1, INT_MAX),
};

function businessCursor(cursor: string, sort: SortField, order: SortOrder): CursorValue {
  const [s, o, value, id] = decodeCursor(cursor);
  if (s !== sort || o !== order || !CURSOR_VALUE_OK[sort](value) || !isIntIn(id, 1, INT_MAX)) {
    throw badRequest('Invalid cursor: it belongs to another sort or order, or was altered');
  }
  return [sort, order, value as string | number, id as number];
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * The query of one page of current businesses (limit + 1 rows, to see whether a next page exists),
 * over the read model business_current (corrections applied, latest holding). Its key query
 * finds the page's ids by an index-only scan of the sort's index, which carries every filtered
 * column (migration 0170); the page's rows are then read by primary key. Exported for the plan
 * test and the benchmark's bare-`pg` reference.
 */
export function businessListQuery(db: Kysely<Schema>, filter: BusinessFilter) {
  const sortSql = SORT_SQL[filter.sort];
  const direction = filter.order === 'asc' ? sql`asc` : sql`desc`;
  let keys = db
    .selectFrom('business_current as b')
    .select(['b.business_id', sql<string | number>`${sortSql}`.as('sort_value')])
    .where('b.listed', '=', true);
  if (filter.ids) keys = keys.where('b.business_id', 'in', filter.ids);
  // Filters on business_current's own columns, so the (state_id | city_name_lower, name, id)
  // indexes (migration 0150) serve the filter and the name order together.
  if (filter.state) {
    const code = filter.state.toUpperCase();
    keys = keys.where(
      'b.state_id',
      '=',
      db.selectFrom('state').select('state_id').where('state_code', '=', code),
    );
  }
  if (filter.city) keys = keys.where('b.city_name_lower', '=', filter.city.toLowerCase());
  if (filter.category) {
    // The category's id as a value (an InitPlan), tested on each index entry's category_ids.
    const categoryId = db
      .selectFrom('business_category')
      .select('category_id')
      .where('alias', '=', filter.category);
    keys = keys.where(sql<boolean>`b.category_ids @> array[(${categoryId})]`);
  }
  if (filter.price?.length) keys = keys.where('b.payment_level_id', 'in', filter.price);
  // On the rating sort key, so its index serves the range; a business without holdings (-1) has
  // no rating and matches no rating bound, as rating >= 0 always.
  if (filter.minRating !== undefined || filter.maxRating !== undefined) {
    keys = keys.where(SORT_SQL.rating, '>=', filter.minRating ?? 0);
    // Rating and review count come from the same holding: a rating bound also excludes the
    // review count sort's -1 block, which its index then skips instead of testing.
    if (filter.sort === 'review_count') keys = keys.where(SORT_SQL.review_count, '>=', 0);
  }
  if (filter.maxRating !== undefined) keys = keys.where(SORT_SQL.rating, '<=', filter.maxRating);
  if (filter.open !== undefined) keys = keys.where('b.is_closed', '=', !filter.open);
  // `name ilike '%…%'`, as the database computes it (migration 0170), on the stored lowercase name.
  if (filter.q) keys = keys.where(sql<boolean>`b.name_lower like lower(${`%${escapeLike(filter.q)}%`})`);
  if (filter.cursor) {
    const [, , value, id] = businessCursor(filter.cursor, filter.sort, filter.order);
    const op = filter.order === 'asc' ? sql`>` : sql`<`;
    const opOrEqual = filter.order === 'asc' ? sql`>=` : sql`<=`;
    // The row comparison alone is estimated blind (the planner then chose a filter's index and
    // sorted every match); the implied bound on the sort key alone it estimates from statistics.
    keys =
      filter.sort === 'id'
        ? keys.where(sql<boolean>`b.business_id ${op} ${value}`)
        : keys
            .where(sql<boolean>`${sortSql} ${opOrEqual} ${value}`)
            .where(sql<boolean>`(${sortSql}, b.business_id) ${op} (${value}, ${id})`);
  }
  const page = keys
    .orderBy(sql`${sortSql} ${direction}`)
    .orderBy(sql`b.business_id ${direction}`)
    .limit(filter.limit + 1);
  return db
    .selectFrom(page.as('k'))
    .innerJoin('business_current as b', 'b.business_id', 'k.business_id')
    .innerJoin('city as c', 'c.city_id', 'b.city_id')
    .innerJoin('state as s', 's.state_id', 'b.state_id')
    .leftJoin('payment_level as p', 'p.payment_level_id', 'b.payment_level_id')
    .select([
      'b.business_id',
      'b.yelp_id',
      'b.alias',
      'b.name',
      'p.symbol as price',
      'b.rating',
      'b.review_count',
      'b.is_closed',
      'c.city_name',
      's.state_code',
      'b.latitude',
      'b.longitude',
      'k.sort_value',
    ])
    .orderBy(sql`k.sort_value ${direction}`)
    .orderBy(sql`k.business_id ${direction}`);
}

/** One page of current businesses, filtered, in keyset order; `next` is null on the last page. */
export async function listBusinesses(db: Kysely<Schema>, filter: BusinessFilter) {
  const rows = await businessListQuery(db, filter).execute();
  const items = rows.slice(0, filter.limit);
  const last = items[items.length - 1];
  const next =
    rows.length > filter.limit && last
      ? encodeCursor([filter.sort, filter.order, last.sort_value, last.business_id])
      : null;
  return { items, next };
}

export type BusinessListRow = Awaited<ReturnType<typeof listBusinesses>>['items'][number];

/**
 * The query of one business: three primary-key lookups, business for what every daily load moves,
 * and the read models business_current (name, status, latest holding) and business_detail
 * (corrected fields, reference names, categories, transactions), exported as above.
 */
export function businessDetailQuery(db: Kysely<Schema>, id: number) {
  return db
    .selectFrom('business as b')
    .innerJoin('business_current as lh', 'lh.business_id', 'b.business_id')
    .innerJoin('business_detail as d', 'd.business_id', 'b.business_id')
    .select([
      'b.business_id',
      'lh.yelp_id',
      'lh.alias',
      'lh.name',
      'lh.is_closed',
      'lh.latitude',
      'lh.longitude',
      'lh.rating',
      'lh.review_count',
      'lh.holding_date',
      'b.distance_m',
      'b.first_seen',
      'b.last_seen',
      'b.updated_at',
      'd.url',
      'd.image_url',
      'd.phone',
      'd.display_phone',
      'd.address1',
      'd.address2',
      'd.address3',
      'd.zip_code',
      'd.valid_to',
      'd.price',
      'd.city_name',
      'd.county_name',
      'd.state_name',
      'd.state_code',
      'd.categories',
      'd.transactions',
    ])
    .where('b.business_id', '=', id);
}

const businessDetail = compiledOnce(businessDetailQuery);

/** One business with its location, categories, transactions and latest holding; undefined if none. */
export async function getBusiness(database: SourceDatabase, id: number) {
  const [business] = await queryPrepared(database, 'business-detail', businessDetail(database.db, id));
  return business;
}

export type BusinessDetailRow = NonNullable<Awaited<ReturnType<typeof getBusiness>>>;

export async function businessExists(db: Kysely<Schema>, id: number): Promise<boolean> {
  const row = await db
    .selectFrom('business')
    .select('business_id')
    .where('business_id', '=', id)
    .executeTakeFirst();
  return row !== undefined;
}

export interface HoldingFilter {
  from?: string;
  to?: string;
  limit: number;
  cursor?: string;
}

/** A business's daily holdings, oldest first, within [from, to]; the cursor is the last date seen. */
export async function listHoldings(db: Kysely<Schema>, id: number, filter: HoldingFilter) {
  let query = db
    .selectFrom('business_holding')
    .select(['holding_date', 'rating', 'review_count'])
    .where('business_id', '=', id);
  if (filter.from) query = query.where('holding_date', '>=', filter.from);
  if (filter.to) query = query.where('holding_date', '<=', filter.to);
  if (filter.cursor) {
    const [after] = decodeCursor(filter.cursor);
    const parsed = IsoDate.safeParse(after);
    if (!parsed.success) throw badRequest('Invalid cursor');
    query = query.where('holding_date', '>', parsed.data);
  }
  const rows = await query
    .orderBy('holding_date')
    .limit(filter.limit + 1)
    .execute();
  const items = rows.slice(0, filter.limit);
  const last = items[items.length - 1];
  return { items, next: rows.length > filter.limit && last ? encodeCursor([last.holding_date]) : null };
}
