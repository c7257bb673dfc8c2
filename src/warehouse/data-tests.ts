import type { Kysely } from 'kysely';
import { type Logger, silentLogger } from '../common/logger.ts';
import type { Schema } from '../oltp/schema.ts';
import type { WarehouseAdapter } from './adapter.ts';
import { compileSql } from './compile.ts';
import { loadProject, type Project, selectModels, type TestSpec } from './project.ts';
import { relationResolver } from './runner.ts';

/**
 * Data tests: each compiles to a query returning the offending rows. The rows are stored in
 * `test_failures.<test>` (replaced on every run, empty when the test passes) and every result is
 * written to ops.check_result in the source database, where alerts and the dashboard read it.
 */
export interface DataTestResult {
  name: string;
  /** The model or `lake.<table>` the test is about. */
  entity: string;
  kind: string;
  severity: 'warn' | 'error';
  status: 'pass' | 'warn' | 'fail';
  failures: number;
  failuresRelation: string;
}

export interface TestOptions {
  runDate: string;
  runId?: number | null;
  select?: readonly string[];
  project?: Project;
  log?: Logger;
}

interface CompiledTest {
  name: string;
  entity: string;
  kind: string;
  severity: 'warn' | 'error';
  sql: string;
}

const asList = (columns: string | string[]) => [columns].flat();
const safeName = (text: string) => text.replace(/[^a-z0-9_]+/gi, '_').toLowerCase();
const literal = (value: string | number) =>
  typeof value === 'number' ? String(value) : `'${value.replaceAll("'", "''")}'`;

function compileSpec(
  entity: string,
  relation: string,
  spec: TestSpec,
  refOf: (m: string) => string,
): CompiledTest[] {
  const severity = spec.severity ?? 'error';
  const make = (kind: string, suffix: string, sql: string): CompiledTest => ({
    name: safeName(`${entity}__${kind}__${suffix}`),
    entity,
    kind,
    severity,
    sql,
  });
  if ('unique' in spec) {
    const cols = asList(spec.unique);
    return [
      make(
        'unique',
        cols.join('_'),
        `select ${cols.join(', ')}, count(*) as occurrences from ${relation}
         group by ${cols.join(', ')} having count(*) > 1`,
      ),
    ];
  }
  if ('not_null' in spec) {
    return asList(spec.not_null).map((col) =>
      make('not_null', col, `select * from ${relation} where ${col} is null`),
    );
  }
  if ('relationships' in spec) {
    const { column, to, field } = spec.relationships;
    return [
      make(
        'relationships',
        `${column}__${to}`,
        `select child.* from ${relation} as child
         where child.${column} is not null
           and not exists (select 1 from ${refOf(to)} as parent where parent.${field} = child.${column})`,
      ),
    ];
  }
  const { column, values } = spec.accepted_values;
  return [
    make(
      'accepted_values',
      column,
      `select * from ${relation} where ${column} is not null and ${column} not in (${values.map(literal).join(', ')})`,
    ),
  ];
}

export function compileTests(adapter: WarehouseAdapter, project: Project, select: readonly string[] = []) {
  const refOf = relationResolver(adapter, project);
  const selected = selectModels(project, select);
  const tests: CompiledTest[] = [];
  if (select.length === 0) {
    for (const [table, specs] of project.sourceTests) {
      for (const spec of specs)
        tests.push(...compileSpec(`lake.${table}`, adapter.relation('lake', table), spec, refOf));
    }
  }
  for (const model of project.models.values()) {
    if (!selected.has(model.name)) continue;
    for (const spec of model.config.tests)
      tests.push(...compileSpec(model.name, refOf(model.name), spec, refOf));
  }
  for (const custom of project.customTests) {
    if (select.length > 0 && !custom.refs.some((ref) => selected.has(ref))) continue;
    const sql = compileSql(
      custom.body,
      { adapter, relationOf: refOf, runDate: '1970-01-01', batchDates: [], incremental: false },
      custom.file,
    );
    tests.push({
      name: safeName(custom.name),
      entity: custom.refs[0] ?? 'warehouse',
      kind: 'custom',
      severity: custom.severity,
      sql,
    });
  }
  return tests;
}

export async function runDataTests(
  adapter: WarehouseAdapter,
  db: Kysely<Schema>,
  options: TestOptions,
): Promise<DataTestResult[]> {
  const log = options.log ?? silentLogger;
  const project = options.project ?? loadProject();
  await adapter.ensureSchema('test_failures');
  const results: DataTestResult[] = [];
  for (const test of compileTests(adapter, project, options.select)) {
    const failuresRelation = adapter.relation('test_failures', test.name);
    await adapter.replaceTable(failuresRelation, test.sql);
    const failures = (await adapter.query<{ n: number }>(`select count(*) as n from ${failuresRelation}`))[0]!
      .n;
    const status = failures === 0 ? 'pass' : test.severity === 'warn' ? 'warn' : 'fail';
    results.push({ ...test, status, failures, failuresRelation });
    if (status !== 'pass')
      log.warn({ test: test.name, failures }, `data test ${test.name}: ${failures} failing row(s)`);
  }
  if (results.length > 0) {
    await db
      .insertInto('ops.check_result')
      .values(
        results.map((r) => ({
          run_id: options.runId ?? null,
          run_date: options.runDate,
          check_name: `warehouse.${r.kind}.${r.name}`,
          entity: r.entity,
          severity: r.severity,
          status: r.status,
          expected: 0,
          actual: r.failures,
          details: JSON.stringify({ test: r.name, kind: r.kind, failures_table: `test_failures.${r.name}` }),
        })),
      )
      .execute();
  }
  return results;
}
