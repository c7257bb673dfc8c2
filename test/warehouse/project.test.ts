import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileSql } from '../../src/warehouse/compile.ts';
import { DuckDbAdapter } from '../../src/warehouse/duckdb.ts';
import { loadProject, selectModels, topoOrder } from '../../src/warehouse/project.ts';
import { tempDir } from './helpers.ts';

function project(files: Record<string, string>) {
  const dir = tempDir('models');
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

const view = (sql: string) => `/* { "materialized": "view" } */\n${sql}`;

describe('warehouse project', () => {
  let adapter: DuckDbAdapter;
  beforeAll(async () => {
    adapter = await DuckDbAdapter.open(':memory:');
  });
  afterAll(async () => {
    await adapter?.close();
  });

  it('orders models by their refs and selects like dbt', () => {
    const p = loadProject(
      project({
        'staging/stg_a.sql': view("select * from {{ source('lake', 'a') }}"),
        'intermediate/int_b.sql': view("select * from {{ ref('stg_a') }}"),
        'marts/c.sql': view("select * from {{ ref('int_b') }} join {{ current('stg_a', 'id') }} using (id)"),
        'marts/d.sql': view('select 1 as x'),
      }),
    );
    expect(topoOrder(p).map((m) => m.name)).toEqual(['stg_a', 'int_b', 'c', 'd']);
    expect([...selectModels(p, ['int_b+'])].sort()).toEqual(['c', 'int_b']);
    expect([...selectModels(p, ['+int_b'])].sort()).toEqual(['int_b', 'stg_a']);
    expect([...selectModels(p, ['d'])]).toEqual(['d']);
    expect(() => selectModels(p, ['nope+'])).toThrow(/no such model/);
  });

  it('rejects a missing header, a bad header, an unknown ref and a cycle with the file named', () => {
    expect(() => loadProject(project({ 'marts/x.sql': 'select 1' }))).toThrow(/x\.sql: missing/);
    expect(() =>
      loadProject(project({ 'marts/x.sql': '/* { "materialized": "tabel" } */ select 1' })),
    ).toThrow(/x\.sql: header materialized/);
    expect(() =>
      loadProject(project({ 'marts/x.sql': '/* { "materialized": "incremental" } */ select 1' })),
    ).toThrow(/needs unique_key/);
    expect(() => loadProject(project({ 'marts/x.sql': view("select * from {{ ref('y') }}") }))).toThrow(
      /ref\('y'\) names no model/,
    );
    const cyclic = loadProject(
      project({
        'marts/x.sql': view("select * from {{ ref('y') }}"),
        'marts/y.sql': view("select * from {{ ref('x') }}"),
      }),
    );
    expect(() => topoOrder(cyclic)).toThrow(/Model cycle/);
  });

  it('compiles incremental blocks, batch dates and macros', async () => {
    const body = `select {{ date_add('d', '-1') }} as prev from t
      {% if is_incremental() %} where dt in {{ batch_dates }} {% else %} where true {% endif %}`;
    const ctx = {
      adapter,
      relationOf: (m: string) => `"marts"."${m}"`,
      runDate: '2026-05-02',
      batchDates: ['2026-05-02'],
      incremental: true,
    };
    expect(compileSql(body, ctx)).toContain("where dt in (cast('2026-05-02' as date))");
    expect(compileSql(body, { ...ctx, incremental: false })).toContain('where true');
    const rows = await adapter.query<{ prev: Date; n: number }>(
      `select ${compileSql("{{ date_add('d', '-1') }}", ctx)} as prev, (select count(*) from ${compileSql(
        "{{ date_spine('2024-02-27', '2024-03-01') }}",
        ctx,
      )}) as n from (select date '2024-03-01' as d)`,
    );
    expect(rows[0]!.n).toBe(4);
    expect(rows[0]!.prev.toISOString().slice(0, 10)).toBe('2024-02-29');
    expect(() => compileSql('{{ nope() }}', ctx)).toThrow(/unknown macro/);
  });
});
