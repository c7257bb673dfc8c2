import { readFileSync } from 'node:fs';
import { type Kysely, sql } from 'kysely';
import type { Schema } from '../../oltp/schema.ts';

const load = (file: string) => sql.raw(readFileSync(new URL(file, import.meta.url), 'utf8'));
const STATES = load('./states.sql');
const CATEGORIES = load('./categories.sql');

export interface StateRow {
  code: string;
  name: string;
  fips_code: string | null;
  population: number | null;
  population_year: number | null;
  county_count: number;
  business_count: number;
}

export interface CategoryRow {
  alias: string;
  title: string;
  parent_alias: string | null;
  business_count: number;
}

export async function listStates(db: Kysely<Schema>): Promise<StateRow[]> {
  return (await sql<StateRow>`${STATES}`.execute(db)).rows;
}

export async function listCategories(db: Kysely<Schema>): Promise<CategoryRow[]> {
  return (await sql<CategoryRow>`${CATEGORIES}`.execute(db)).rows;
}
