import { DatabaseError } from '../common/errors.ts';
import type { SnapshotReader } from './copy-out.ts';

/**
 * The source tables the lake holds, with the key that orders their files. A table with a
 * `change_xid` column is exported incrementally (rows changed since the previous export's
 * snapshot); one without (payment_level, a fixed lookup) is exported whole every date. `source` is
 * the relation read when it is not the table itself: businesses are exported with admin corrections
 * applied.
 */
export const LAKE_TABLES = [
  { name: 'country', key: ['country_id'] },
  { name: 'state', key: ['state_id'] },
  { name: 'county', key: ['county_id'] },
  { name: 'county_population', key: ['county_id', 'year'] },
  { name: 'city', key: ['city_id'] },
  { name: 'payment_level', key: ['payment_level_id'] },
  { name: 'business', key: ['business_id'], source: 'business_effective' },
  { name: 'business_category', key: ['category_id'] },
  { name: 'business_category_bridge', key: ['business_id', 'category_id'] },
  { name: 'transaction_type', key: ['transaction_type_id'] },
  { name: 'business_transaction_bridge', key: ['business_id', 'transaction_type_id'] },
  { name: 'business_holding', key: ['business_id', 'holding_date'] },
  { name: 'yelp_user', key: ['user_id'] },
  { name: 'review', key: ['review_id'] },
  { name: 'event_category', key: ['event_category_id'] },
  { name: 'event', key: ['event_id'] },
] as const satisfies readonly { name: string; key: readonly string[]; source?: string }[];

export const sourceOf = (table: (typeof LAKE_TABLES)[number]): string =>
  'source' in table ? table.source : table.name;

export type LakeTableName = (typeof LAKE_TABLES)[number]['name'];

export interface LakeColumn {
  name: string;
  /** The DuckDB/Parquet type the column is written as. */
  duckType: string;
}

export interface TableShape {
  columns: LakeColumn[];
  incremental: boolean;
}

interface ColumnRow {
  column_name: string;
  data_type: string;
  numeric_precision: number | null;
  numeric_scale: number | null;
}

/** Exact type mapping: dates stay dates, numerics keep precision and scale, instants stay UTC instants. */
export function duckTypeOf(column: Omit<ColumnRow, 'column_name'>): string {
  switch (column.data_type) {
    case 'smallint':
      return 'SMALLINT';
    case 'integer':
      return 'INTEGER';
    case 'bigint':
      return 'BIGINT';
    case 'numeric':
      return column.numeric_precision === null
        ? 'DECIMAL(38, 10)'
        : `DECIMAL(${column.numeric_precision}, ${column.numeric_scale ?? 0})`;
    case 'real':
      return 'FLOAT';
    case 'double precision':
      return 'DOUBLE';
    case 'boolean':
      return 'BOOLEAN';
    case 'date':
      return 'DATE';
    case 'timestamp with time zone':
      return 'TIMESTAMPTZ';
    case 'timestamp without time zone':
      return 'TIMESTAMP';
    case 'uuid':
      return 'UUID';
    default:
      // text, varchar, char(n), json/jsonb: text in the lake.
      return 'VARCHAR';
  }
}

/** The column the export's change tracking reads; it is not exported itself. */
export const CHANGE_XID = 'change_xid';

/** Reads a table's columns from the catalog, so a column a later migration adds is exported too. */
export async function tableShape(reader: Pick<SnapshotReader, 'query'>, table: string): Promise<TableShape> {
  const rows = await reader.query<ColumnRow>(`
    select column_name, data_type, numeric_precision, numeric_scale
    from information_schema.columns
    where table_schema = 'public' and table_name = '${table}'
    order by ordinal_position`);
  if (rows.length === 0)
    throw new DatabaseError(`Lake export: table ${table} does not exist; run gourmand db migrate`);
  return {
    columns: rows
      .filter((row) => row.column_name !== CHANGE_XID)
      .map((row) => ({ name: row.column_name, duckType: duckTypeOf(row) })),
    incremental: rows.some((row) => row.column_name === CHANGE_XID),
  };
}
