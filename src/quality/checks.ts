import type { Severity } from './check-log.ts';

/**
 * Every reconciliation check between the source database and the warehouse, in one place.
 * Each side is a query for the run date (source: PostgreSQL, warehouse: the warehouse dialect),
 * `tolerance` is how far apart the two sides may be and still pass, and `severity` says what a
 * miss is: `error` fails the check and alerts, `warn` is recorded and shown in `gourmand status`.
 *
 * kinds:  count      each side returns one row `{ n }`
 *         sum_by     each side returns rows `{ key, value }`: one result per key
 *         key_set    each side returns rows `{ key }`: missing and extra keys, with a sample
 *         freshness  each side returns one row `{ latest }` ('YYYY-MM-DD'); tolerance in days
 */
type Query = (runDate: string) => string;

interface CheckBase {
  name: string;
  entity: string;
  severity: Severity;
  tolerance: number;
  source: Query;
  warehouse: Query;
}

export type CheckDefinition = CheckBase & { kind: 'count' | 'sum_by' | 'key_set' | 'freshness' };

const d = (runDate: string) => `date '${runDate}'`;

/**
 * A content hash of rows, the same on both sides: the sum of the first 32 bits of each row's md5
 * of its values joined by '|'. Order-free and exact in a JS number up to millions of rows; any
 * edited, missing or extra row moves it (but by chance, 1 in 2^32).
 */
const sourceRowHash = (...values: string[]) =>
  `sum(('x' || substr(md5(concat_ws('|', ${values.map((v) => `coalesce(${v}::text, '')`).join(', ')})), 1, 8))::bit(32)::bigint)`;
const warehouseRowHash = (...values: string[]) =>
  `sum(cast(('0x' || substr(md5(concat_ws('|', ${values.map((v) => `coalesce(cast(${v} as varchar), '')`).join(', ')})), 1, 8)) as bigint))`;

export const reconciliationChecks: readonly CheckDefinition[] = [
  // Row counts per entity.
  {
    name: 'row_count',
    entity: 'business',
    kind: 'count',
    severity: 'error',
    tolerance: 0,
    source: () => 'select count(*) as n from business_effective where valid_to is null',
    warehouse: () => 'select count(*) as n from marts.dim_business where is_current',
  },
  {
    name: 'row_count',
    entity: 'business_category',
    kind: 'count',
    severity: 'error',
    tolerance: 0,
    source: () => 'select count(*) as n from business_category where valid_to is null',
    warehouse: () => 'select count(*) as n from marts.dim_business_category where is_current',
  },
  {
    name: 'row_count',
    entity: 'county',
    kind: 'count',
    severity: 'error',
    tolerance: 0,
    source: () => 'select count(*) as n from county',
    warehouse: () => 'select count(*) as n from marts.dim_county',
  },
  {
    name: 'row_count',
    entity: 'review',
    kind: 'count',
    severity: 'error',
    tolerance: 0,
    source: () => 'select count(*) as n from review where valid_to is null',
    warehouse: () => 'select count(*) as n from marts.dim_review where is_current',
  },
  {
    name: 'row_count',
    entity: 'business_holding',
    kind: 'count',
    severity: 'error',
    tolerance: 0,
    source: (date) => `select count(*) as n from business_holding where holding_date = ${d(date)}`,
    warehouse: (date) =>
      `select count(*) as n from marts.fct_business_holding where holding_date = ${d(date)}`,
  },
  // Sums: reviews per state on the run date, businesses per category.
  {
    name: 'review_count_sum',
    entity: 'state',
    kind: 'sum_by',
    severity: 'error',
    tolerance: 0,
    source: (date) => `
      select s.state_code as key, sum(h.review_count) as value
      from business_holding h
      join business b on b.business_id = h.business_id
      join county c on c.county_id = b.county_id
      join state s on s.state_id = c.state_id
      where h.holding_date = ${d(date)}
      group by s.state_code`,
    warehouse: (date) => `
      select c.state_code as key, sum(f.review_count) as value
      from marts.fct_business_holding f
      join marts.dim_business b on b.business_key = f.business_key
      join marts.dim_county c on c.county_id = b.county_id
      where f.holding_date = ${d(date)}
      group by c.state_code`,
  },
  {
    name: 'businesses_per_category',
    entity: 'category',
    kind: 'sum_by',
    severity: 'warn',
    tolerance: 0,
    source: () => `
      select c.alias as key, count(*) as value
      from business_category_bridge br
      join business_category c on c.category_id = br.category_id
      join business_effective b on b.business_id = br.business_id
      where br.valid_to is null and b.valid_to is null
      group by c.alias`,
    warehouse: () => `
      select c.category_alias as key, count(*) as value
      from marts.dim_business_category_bridge br
      join marts.dim_business_category c on c.category_id = br.category_id and c.is_current
      join marts.dim_business b on b.business_id = br.business_id and b.is_current
      where br.is_current
      group by c.category_alias`,
  },
  // Key sets: which rows are missing from, or extra in, the warehouse.
  {
    name: 'key_set',
    entity: 'business',
    kind: 'key_set',
    severity: 'error',
    tolerance: 0,
    source: () => 'select yelp_id as key from business_effective where valid_to is null',
    warehouse: () => 'select yelp_id as key from marts.dim_business where is_current',
  },
  {
    name: 'key_set',
    entity: 'business_holding',
    kind: 'key_set',
    severity: 'error',
    tolerance: 0,
    source: (date) => `select business_id as key from business_holding where holding_date = ${d(date)}`,
    warehouse: (date) =>
      `select business_id as key from marts.fct_business_holding where holding_date = ${d(date)}`,
  },
  // Content hashes per table and date: a row edited on one side only (values, not just keys).
  {
    name: 'content_hash',
    entity: 'business_holding',
    kind: 'sum_by',
    severity: 'error',
    tolerance: 0,
    source: (date) => `
      select holding_date::text as key, ${sourceRowHash('business_id', 'rating', 'review_count')} as value
      from business_holding where holding_date = ${d(date)} group by 1`,
    warehouse: (date) => `
      select cast(holding_date as varchar) as key, ${warehouseRowHash('business_id', 'rating', 'review_count')} as value
      from marts.fct_business_holding where holding_date = ${d(date)} group by 1`,
  },
  {
    name: 'content_hash',
    entity: 'business',
    kind: 'sum_by',
    severity: 'error',
    tolerance: 0,
    source: () => `
      select 'current' as key,
             ${sourceRowHash('business_id', 'yelp_id', 'name', 'phone', 'zip_code', 'latitude', 'longitude', 'is_closed')} as value
      from business_effective where valid_to is null`,
    warehouse: () => `
      select 'current' as key,
             ${warehouseRowHash('business_id', 'yelp_id', 'business_name', 'phone', 'zip_code', 'latitude', 'longitude', 'is_closed')} as value
      from marts.dim_business where is_current`,
  },
  // Freshness: the latest daily holding on each side.
  {
    name: 'freshness',
    entity: 'business_holding',
    kind: 'freshness',
    severity: 'error',
    tolerance: 0,
    source: (date) =>
      `select max(holding_date)::text as latest from business_holding where holding_date <= ${d(date)}`,
    warehouse: (date) =>
      `select cast(max(holding_date) as varchar) as latest from marts.fct_business_holding where holding_date <= ${d(date)}`,
  },
];
