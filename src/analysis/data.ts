/**
 * What the analyses read: the warehouse marts only (`fct_business_holding`, `rpt_business_profile`,
 * `fct_county_growth`, `dim_county`), through the warehouse adapter. Parameters are validated by
 * zod before they get here and are inlined as quoted literals.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { addDays } from '../common/dates.ts';
import type { WarehouseAdapter } from '../warehouse/adapter.ts';
import { AnalysisError, AnalysisInputError } from './guards.ts';
import { DEFAULT_WINDOW_DAYS } from './params.ts';

const sqlDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'sql');
const queries = new Map<string, string>();

function template(name: string): string {
  let text = queries.get(name);
  if (text === undefined) {
    text = readFileSync(path.join(sqlDir, `${name}.sql`), 'utf8');
    queries.set(name, text);
  }
  return text;
}

const literal = (value: string | number) =>
  typeof value === 'number' ? String(value) : `'${value.replaceAll("'", "''")}'`;

export interface Filters {
  states?: readonly string[];
  categories?: readonly string[];
  /** Only these chains (exact names). */
  chains?: readonly string[];
  /** Leave out chain locations. */
  independentOnly?: boolean;
}

function whereClause(filters: Filters, alias = 'profile'): string {
  const parts = ['true'];
  const list = (column: string, values: readonly string[] | undefined) => {
    if (values && values.length > 0) parts.push(`${alias}.${column} in (${values.map(literal).join(', ')})`);
  };
  list('state_code', filters.states);
  list('category_group', filters.categories);
  list('chain_name', filters.chains);
  if (filters.independentOnly) parts.push(`${alias}.chain_name is null`);
  return parts.join(' and ');
}

async function run<T extends Record<string, unknown>>(
  warehouse: WarehouseAdapter,
  name: string,
  values: Record<string, string>,
): Promise<T[]> {
  const statement = template(name).replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`analysis query ${name} has no value for {{${key}}}`);
    return value;
  });
  try {
    return await warehouse.query<T>(statement);
  } catch (error) {
    if (/does not exist|not found/i.test(String(error))) {
      throw new AnalysisError(
        'the warehouse has no marts yet: run the pipeline first (gourmand run, or gourmand warehouse build)',
      );
    }
    throw error;
  }
}

export interface Window {
  from: string;
  to: string;
}

/** The window asked for, defaulting to the last DEFAULT_WINDOW_DAYS days the warehouse holds. */
export async function resolveWindow(
  warehouse: WarehouseAdapter,
  asked: { from?: string | undefined; to?: string | undefined },
): Promise<Window> {
  const [dates] = await run<{ first_date: string | null; last_date: string | null }>(
    warehouse,
    'holding_dates',
    {},
  );
  if (!dates?.first_date || !dates.last_date) {
    throw new AnalysisError(
      'the warehouse holds no business holdings yet: run the pipeline first (gourmand run)',
    );
  }
  const to = asked.to ?? dates.last_date;
  const earliest = addDays(to, -DEFAULT_WINDOW_DAYS);
  // ISO dates order as strings: the later of the two
  const from = asked.from ?? [earliest, dates.first_date].sort()[1]!;
  if (from > to) throw new AnalysisInputError(`the window is empty: from ${from} is after to ${to}`);
  if (to < dates.first_date || from > dates.last_date) {
    throw new AnalysisError(
      `no holdings between ${from} and ${to}: the warehouse holds ${dates.first_date} to ${dates.last_date}`,
    );
  }
  return { from, to };
}

export interface BusinessWindowRow extends Record<string, unknown> {
  business_id: number;
  yelp_id: string;
  state_code: string;
  payment_level: number | null;
  category_group: string | null;
  chain_name: string | null;
  transaction_count: number;
  rating: number;
  first_review_count: number;
  last_review_count: number;
  /** Days between the first and last holding in the window. */
  days: number;
}

export function businessWindow(warehouse: WarehouseAdapter, window: Window, filters: Filters) {
  return run<BusinessWindowRow>(warehouse, 'business_window', {
    from: `date ${literal(window.from)}`,
    to: `date ${literal(window.to)}`,
    filters: whereClause(filters),
  });
}

export interface BusinessDayRow extends Record<string, unknown> {
  business_id: number;
  yelp_id: string;
  state_code: string;
  chain_name: string | null;
  reviews_gained: number;
}

export function businessDays(warehouse: WarehouseAdapter, window: Window, filters: Filters) {
  return run<BusinessDayRow>(warehouse, 'business_days', {
    from: `date ${literal(window.from)}`,
    to: `date ${literal(window.to)}`,
    filters: whereClause(filters),
  });
}

export interface CountyGrowthRow extends Record<string, unknown> {
  state_code: string;
  county_fips_code: string;
  earlier_year: number;
  later_year: number;
  earlier_population: number;
  later_population: number;
}

export function countyGrowth(warehouse: WarehouseAdapter, filters: Filters) {
  return run<CountyGrowthRow>(warehouse, 'county_growth', { filters: whereClause(filters, 'counties') });
}

/** Refuses an empty selection with the filters that made it empty. */
export function requireRows<T>(rows: T[], what: string, described: string): T[] {
  if (rows.length === 0)
    throw new AnalysisError(`no ${what} match ${described}: check the filters and the window`);
  return rows;
}

/** The filters of an analysis over independent businesses unless it asks for chains too. */
export function businessFilters(params: {
  state?: readonly string[] | undefined;
  category?: readonly string[] | undefined;
  includeChains: boolean;
}): Filters {
  return { states: params.state, categories: params.category, independentOnly: !params.includeChains };
}

/** Resolves the window and loads one row kind for it, refusing an empty selection. */
export async function loadSelection<T>(
  warehouse: WarehouseAdapter,
  asked: { from?: string | undefined; to?: string | undefined },
  filters: Filters,
  kind: 'businesses' | 'business-days',
): Promise<{ window: Window; rows: T[] }> {
  const window = await resolveWindow(warehouse, asked);
  const load = kind === 'businesses' ? businessWindow : businessDays;
  const rows = (await load(warehouse, window, filters)) as T[];
  return { window, rows: requireRows(rows, kind, describeSelection(window, filters)) };
}

export function describeSelection(window: Window | null, filters: Filters): string {
  const parts: string[] = [];
  if (window) parts.push(`${window.from} to ${window.to}`);
  if (filters.states?.length) parts.push(`state ${filters.states.join(', ')}`);
  if (filters.categories?.length) parts.push(`category ${filters.categories.join(', ')}`);
  if (filters.chains?.length) parts.push(`chain ${filters.chains.join(', ')}`);
  if (filters.independentOnly) parts.push('independent businesses');
  return parts.join('; ') || 'the whole warehouse';
}
