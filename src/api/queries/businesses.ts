import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Schema } from '../../oltp/schema.ts';
import { badRequest } from '../errors.ts';
import { IsoDate } from '../schema.ts';

export const SORT_FIELDS = ['id', 'name', 'rating', 'review_count'] as const;
export type SortField = (typeof SORT_FIELDS)[number];
export type SortOrder = 'asc' | 'desc';

/**
 * The only SQL a sort parameter can reach: one of these fixed expressions (the original put the
 * user's string into ORDER BY). Businesses without holdings sort as rating/review count -1.
 */
const SORT_SQL: Record<SortField, RawBuilder<unknown>> = {
  id: sql`b.business_id`,
  name: sql`b.name`,
  rating: sql`coalesce(lh.rating, -1)`,
  review_count: sql`coalesce(lh.review_count, -1)`,
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

/** Current business data, corrections applied (business_effective), with its latest holding. */
function latestHolding(db: Kysely<Schema>) {
  return db.selectFrom('business_effective as b').leftJoinLateral(
    (eb) =>
      eb
        .selectFrom('business_holding as h')
        .select(['h.rating', 'h.review_count', 'h.holding_date'])
        .whereRef('h.business_id', '=', 'b.business_id')
        .orderBy('h.holding_date', 'desc')
        .limit(1)
        .as('lh'),
    (join) => join.onTrue(),
  );
}

/** One page of current businesses, filtered, in keyset order; `next` is null on the last page. */
export async function listBusinesses(db: Kysely<Schema>, filter: BusinessFilter) {
  const sortSql = SORT_SQL[filter.sort];
  const direction = filter.order === 'asc' ? sql`asc` : sql`desc`;
  let query = latestHolding(db)
    .innerJoin('city as c', 'c.city_id', 'b.city_id')
    .innerJoin('state as s', 's.state_id', 'c.state_id')
    .leftJoin('payment_level as p', 'p.payment_level_id', 'b.payment_level_id')
    .select([
      'b.business_id',
      'b.yelp_id',
      'b.alias',
      'b.name',
      'p.symbol as price',
      'lh.rating',
      'lh.review_count',
      'b.is_closed',
      'c.city_name',
      's.state_code',
      'b.latitude',
      'b.longitude',
      sql<string | number>`${sortSql}`.as('sort_value'),
    ])
    .where('b.valid_to', 'is', null);
  if (filter.ids) query = query.where('b.business_id', 'in', filter.ids);
  if (filter.state) query = query.where('s.state_code', '=', filter.state.toUpperCase());
  if (filter.city) query = query.where(sql`lower(c.city_name)`, '=', filter.city.toLowerCase());
  if (filter.category) {
    const alias = filter.category;
    query = query.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('business_category_bridge as bcb')
          .innerJoin('business_category as bc', 'bc.category_id', 'bcb.category_id')
          .select(sql`1`.as('one'))
          .whereRef('bcb.business_id', '=', 'b.business_id')
          .where('bcb.valid_to', 'is', null)
          .where('bc.alias', '=', alias),
      ),
    );
  }
  if (filter.price?.length) query = query.where('b.payment_level_id', 'in', filter.price);
  if (filter.minRating !== undefined) query = query.where('lh.rating', '>=', filter.minRating);
  if (filter.maxRating !== undefined) query = query.where('lh.rating', '<=', filter.maxRating);
  if (filter.open !== undefined) query = query.where('b.is_closed', '=', !filter.open);
  if (filter.q) query = query.where('b.name', 'ilike', `%${escapeLike(filter.q)}%`);
  if (filter.cursor) {
    const [, , value, id] = businessCursor(filter.cursor, filter.sort, filter.order);
    const op = filter.order === 'asc' ? sql`>` : sql`<`;
    query = query.where(sql<boolean>`(${sortSql}, b.business_id) ${op} (${value}, ${id})`);
  }
  const rows = await query
    .orderBy(sql`${sortSql} ${direction}`)
    .orderBy(sql`b.business_id ${direction}`)
    .limit(filter.limit + 1)
    .execute();
  const items = rows.slice(0, filter.limit);
  const last = items[items.length - 1];
  const next =
    rows.length > filter.limit && last
      ? encodeCursor([filter.sort, filter.order, last.sort_value, last.business_id])
      : null;
  return { items, next };
}

export type BusinessListRow = Awaited<ReturnType<typeof listBusinesses>>['items'][number];

/** One business with its location, categories, transactions and latest holding; undefined if none. */
export async function getBusiness(db: Kysely<Schema>, id: number) {
  const business = await latestHolding(db)
    .innerJoin('city as c', 'c.city_id', 'b.city_id')
    .innerJoin('state as s', 's.state_id', 'c.state_id')
    .innerJoin('county as co', 'co.county_id', 'b.county_id')
    .leftJoin('payment_level as p', 'p.payment_level_id', 'b.payment_level_id')
    .selectAll('b')
    .select([
      'p.symbol as price',
      'c.city_name',
      'co.county_name',
      's.state_name',
      's.state_code',
      'lh.rating',
      'lh.review_count',
      'lh.holding_date',
    ])
    .where('b.business_id', '=', id)
    .executeTakeFirst();
  if (!business) return undefined;
  const [categories, transactions] = await Promise.all([
    db
      .selectFrom('business_category_bridge as bcb')
      .innerJoin('business_category as bc', 'bc.category_id', 'bcb.category_id')
      .select(['bc.alias', 'bc.title'])
      .where('bcb.business_id', '=', id)
      .where('bcb.valid_to', 'is', null)
      .orderBy('bc.alias')
      .execute(),
    db
      .selectFrom('business_transaction_bridge as btb')
      .innerJoin('transaction_type as t', 't.transaction_type_id', 'btb.transaction_type_id')
      .select('t.name')
      .where('btb.business_id', '=', id)
      .where('btb.valid_to', 'is', null)
      .orderBy('t.name')
      .execute(),
  ]);
  return { ...business, categories, transactions: transactions.map((t) => t.name) };
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
