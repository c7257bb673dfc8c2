import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BigQueryAdapter, toBigQuerySql } from '../../src/warehouse/bigquery.ts';
import { loadProject, MODELS_DIR } from '../../src/warehouse/project.ts';
import { renderedText, renderProject } from '../../src/warehouse/render.ts';
import { gourmand } from '../support/cli.ts';
import { bigQueryParseFailures } from './bigquery-sql.ts';
import { tempDir } from './helpers.ts';

// Reviewed renderings; after a deliberate model change, regenerate with
// `npx gourmand warehouse compile --target bigquery --out test/warehouse/bigquery` and review the diff.
const EXPECTED = path.join(import.meta.dirname, 'bigquery');

const adapter = () =>
  BigQueryAdapter.open('bigquery://gourmand/warehouse', {
    bigqueryMaxBytesBilled: 1e9,
    bigqueryLocation: 'US',
  });

describe('BigQuery rendering of the models', () => {
  it('matches the reviewed file of every model, and no reviewed file is left without a model', async () => {
    const rendered = renderProject(await adapter(), loadProject());
    expect(rendered.length).toBeGreaterThan(30);
    for (const r of rendered) {
      const file = path.join(EXPECTED, r.model.layer, `${r.model.name}.sql`);
      expect(existsSync(file), `${file} is missing`).toBe(true);
      expect(renderedText(r), r.model.name).toBe(readFileSync(file, 'utf8'));
    }
    const expectedFiles = readdirSync(EXPECTED, { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.sql'))
      .sort();
    expect(expectedFiles).toEqual(
      rendered.map((r) => path.join(r.model.layer, `${r.model.name}.sql`)).sort(),
    );
  });

  it('renders only statements that parse as BigQuery SQL', async () => {
    const rendered = renderProject(await adapter(), loadProject());
    expect(rendered.flatMap((r) => r.statements).length).toBeGreaterThan(rendered.length);
    expect(bigQueryParseFailures(rendered)).toEqual([]);
  });

  it('fails a model that uses DuckDB-only syntax', async () => {
    const dir = tempDir('broken-models');
    cpSync(MODELS_DIR, dir, { recursive: true });
    const file = path.join(dir, 'staging', 'stg_state.sql');
    // ILIKE is DuckDB's (and PostgreSQL's); BigQuery has none.
    const broken = readFileSync(file, 'utf8').replace(
      /from source\n/,
      "from source where state_name ilike 'a%'\n",
    );
    expect(broken).toContain('ilike');
    writeFileSync(file, broken);
    const failures = bigQueryParseFailures(renderProject(await adapter(), loadProject(dir)));
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/^stg_state \(view\): /);
  });

  it('rewrites the portable helper SQL of the runner into BigQuery', async () => {
    expect(toBigQuerySql('create table if not exists x (a varchar, primary key (a))')).toBe(
      'create table if not exists x (a string, primary key (a) not enforced)',
    );
    expect(toBigQuerySql("insert into x select t, 1 from (values ('a'), ('b')) as t(t)")).toBe(
      "insert into x select t, 1 from unnest(['a', 'b']) as t",
    );
    expect(toBigQuerySql('delete from `p.d.t`')).toBe('delete from `p.d.t` where true');
    expect(toBigQuerySql('select * from t qualify row_number() over (partition by a) = 1')).toBe(
      'select * from t where true qualify row_number() over (partition by a) = 1',
    );
    expect(toBigQuerySql('select * from t where b group by a qualify x = 1')).toBe(
      'select * from t where b group by a qualify x = 1',
    );
    expect(toBigQuerySql('select * from (select a from t where b) as s qualify x = 1')).toBe(
      'select * from (select a from t where b) as s where true qualify x = 1',
    );
  });

  it('`warehouse compile --target bigquery --out` writes the reviewed files; duckdb renders too', async () => {
    const out = tempDir('compile');
    const result = await gourmand(['warehouse', 'compile', '--target', 'bigquery', '--out', out]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const file = path.join('marts', 'fct_business_holding.sql');
    expect(readFileSync(path.join(out, file), 'utf8')).toBe(readFileSync(path.join(EXPECTED, file), 'utf8'));
    const duck = await gourmand(['warehouse', 'compile', '--target', 'duckdb']);
    expect(duck.code).toBe(0);
    expect(duck.stdout).toContain('insert into "marts"."fct_business_holding" by name');
  });
});
