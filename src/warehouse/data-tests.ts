import type { Kysely } from 'kysely';
import { type Logger, silentLogger } from '../common/logger.ts';
import type { Schema } from '../oltp/schema.ts';
import type { WarehouseAdapter } from './adapter.ts';
import { changedRelation, ensureTested, safeName, testedRelation } from './changes.ts';
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
  /** `changed`: only the rows changed since the last run were checked (same result as `all`). */
  scope: 'all' | 'changed';
  /** Wall time of the test (its failures are counted with the others', after). */
  ms: number;
}

export interface TestOptions {
  runDate: string;
  runId?: number | null;
  select?: readonly string[];
  project?: Project;
  log?: Logger;
  /** Check every row, not only those changed since the last run (a full refresh does anyway). */
  full?: boolean;
}

/**
 * What a test checks, when a day's rows can be checked alone: `rows` tests fail row by row (a row's
 * failure depends on that row only), `groups` tests fail per group of equal `columns`.
 */
type Check =
  | { kind: 'rows'; relation: string; condition: (alias: string) => string }
  | { kind: 'groups'; relation: string; columns: string[] };

interface CompiledTest {
  name: string;
  entity: string;
  kind: string;
  severity: 'warn' | 'error';
  sql: string;
  /** Set when the test can recheck only the entity's changed rows (see incrementalStatements). */
  check?: Check;
}

const asList = (columns: string | string[]) => [columns].flat();
const literal = (value: string | number) =>
  typeof value === 'number' ? String(value) : `'${value.replaceAll("'", "''")}'`;

const groupSql = (relation: string, cols: readonly string[]) =>
  `select ${cols.join(', ')}, count(*) as occurrences from ${relation}
         group by ${cols.join(', ')} having count(*) > 1`;
const rowsSql = (relation: string, condition: (alias: string) => string) =>
  `select * from ${relation} as x where ${condition('x')}`;

function compileSpec(
  entity: string,
  relation: string,
  spec: TestSpec,
  refOf: (m: string) => string,
): CompiledTest[] {
  const severity = spec.severity ?? 'error';
  const make = (kind: string, suffix: string, sql: string, check?: Check): CompiledTest => ({
    name: safeName(`${entity}__${kind}__${suffix}`),
    entity,
    kind,
    severity,
    sql,
    check,
  });
  const rows = (kind: string, suffix: string, condition: (alias: string) => string) =>
    make(kind, suffix, rowsSql(relation, condition), { kind: 'rows', relation, condition });
  if ('unique' in spec) {
    const cols = asList(spec.unique);
    return [
      make('unique', cols.join('_'), groupSql(relation, cols), { kind: 'groups', relation, columns: cols }),
    ];
  }
  if ('not_null' in spec) {
    return asList(spec.not_null).map((col) => rows('not_null', col, (x) => `${x}.${col} is null`));
  }
  if ('relationships' in spec) {
    // A parent that disappeared fails unchanged children too: always checked in full.
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
    rows(
      'accepted_values',
      column,
      (x) => `${x}.${column} is not null and ${x}.${column} not in (${values.map(literal).join(', ')})`,
    ),
  ];
}

/** The columns an entity's changed keys are recorded by (changes.ts), or undefined: tested in full. */
function changeKeys(project: Project, entity: string): string[] | undefined {
  if (entity.startsWith('lake.')) return ['dt'];
  const model = project.models.get(entity);
  return model?.config.materialized === 'incremental' ? [model.config.unique_key!].flat() : undefined;
}

/**
 * Brings a failures table from the last run's result to this run's, checking only what changed
 * since (`changed` holds the changed keys, absent when nothing changed; a row without such a key is
 * as it was):
 * - `rows`: drop the failures of changed rows, add the changed rows that fail;
 * - `groups`: recount the groups a changed row belongs to and the groups that failed last time. A
 *   group in neither gained no row and was no duplicate, so it still is none. When the grouping
 *   columns hold the changed keys, only the changed rows' groups are recounted.
 * The failures table ends the same as a full run would leave it.
 */
async function runIncremental(
  adapter: WarehouseAdapter,
  check: Check,
  failures: string,
  recount: string,
  changed: { relation: string; keys: readonly string[] } | undefined,
) {
  const isChanged = (alias: string) =>
    changed
      ? `exists (select 1 from ${changed.relation} as u where ${changed.keys.map((k) => `u.${k} = ${alias}.${k}`).join(' and ')})`
      : 'false';
  // A group holding every changed key column is all changed rows or all unchanged ones: its rows
  // are checked like a row test's.
  const ownGroups = check.kind === 'groups' && changed?.keys.every((k) => check.columns.includes(k));
  if (check.kind === 'groups' && ownGroups) {
    await adapter.exec(adapter.render(`delete from ${failures} as f where ${isChanged('f')}`));
    await adapter.insertByName(
      failures,
      groupSql(`(select * from ${check.relation} as x where ${isChanged('x')}) as x`, check.columns),
    );
    return;
  }
  if (check.kind === 'rows') {
    if (!changed) return;
    await adapter.exec(adapter.render(`delete from ${failures} as f where ${isChanged('f')}`));
    await adapter.insertByName(
      failures,
      rowsSql(check.relation, (x) => `${isChanged(x)} and ${check.condition(x)}`),
    );
    return;
  }
  const cols = check.columns;
  const on = cols.map((c) => `x.${c} is not distinct from touched.${c}`).join(' and ');
  await adapter.replaceTable(
    recount,
    `with touched as (
       select distinct ${cols.join(', ')} from (
         select ${cols.map((c) => `y.${c}`).join(', ')} from ${check.relation} as y where ${isChanged('y')}
         union all
         select ${cols.join(', ')} from ${failures}
       ) as t
     )
     select ${cols.map((c) => `x.${c}`).join(', ')}, count(*) as occurrences
     from ${check.relation} as x join touched on ${on}
     group by ${cols.map((c) => `x.${c}`).join(', ')} having count(*) > 1`,
  );
  // Every group failing last time was recounted: the recount is the whole result.
  await adapter.exec(`delete from ${failures} where true`);
  await adapter.insertByName(failures, `select * from ${recount}`);
  await adapter.exec(`drop table ${recount}`);
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
  await ensureTested(adapter);
  const tested = new Map(
    (
      await adapter.query<{ entity: string; test_name: string; test_sql: string }>(
        `select entity, test_name, test_sql from ${testedRelation(adapter)}`,
      )
    ).map((row) => [row.test_name, row]),
  );
  const results: DataTestResult[] = [];
  // One transaction: a commit per test would cost more than most tests, and a run that dies
  // leaves the failures tables and the bookkeeping as they were.
  await adapter.transaction(async () => {
    const checked = new Map<string, CompiledTest[]>();
    // Asked once: a query per test would cost more than most incremental tests.
    const failureTables = await adapter.tablesIn('test_failures');
    const metaTables = await adapter.tablesIn('_gourmand');
    const plans = [];
    for (const test of compileTests(adapter, project, options.select)) {
      const keys = test.check && changeKeys(project, test.entity);
      const prior = tested.get(test.name);
      const incremental = Boolean(
        test.check &&
          keys &&
          !options.full &&
          prior?.entity === test.entity &&
          prior.test_sql === test.sql &&
          failureTables.has(test.name),
      );
      plans.push({ test, keys, incremental });
    }
    // Row tests checking every row of one relation share one scan of it (a view is computed once):
    // the rows failing any of them, from which each takes its own.
    const rowChecks = new Map<string, ((alias: string) => string)[]>();
    for (const { test, incremental } of plans) {
      if (test.check?.kind === 'rows' && !incremental)
        rowChecks.set(test.check.relation, [
          ...(rowChecks.get(test.check.relation) ?? []),
          test.check.condition,
        ]);
    }
    const scans = new Map<string, string>();
    try {
      for (const { test, keys, incremental } of plans) {
        const started = performance.now();
        const failuresRelation = adapter.relation('test_failures', test.name);
        const shared = test.check?.kind === 'rows' ? rowChecks.get(test.check.relation) : undefined;
        if (test.check && keys && incremental) {
          const changed = metaTables.has(`changed_${safeName(test.entity)}`)
            ? { relation: changedRelation(adapter, test.entity), keys }
            : undefined;
          await runIncremental(
            adapter,
            test.check,
            failuresRelation,
            adapter.relation('test_failures', `${test.name}__recount`),
            changed,
          );
        } else if (test.check?.kind === 'rows' && shared && shared.length > 1) {
          let scan = scans.get(test.check.relation);
          if (!scan) {
            scan = adapter.relation('_gourmand', `test_scan_${scans.size}`);
            await adapter.replaceTable(
              scan,
              rowsSql(test.check.relation, (x) =>
                shared.map((condition) => `(${condition(x)})`).join(' or '),
              ),
            );
            scans.set(test.check.relation, scan);
          }
          await adapter.replaceTable(failuresRelation, rowsSql(scan, test.check.condition));
        } else {
          await adapter.replaceTable(failuresRelation, test.sql);
        }
        if (keys) checked.set(test.entity, [...(checked.get(test.entity) ?? []), test]);
        results.push({
          ...test,
          status: 'pass',
          failures: 0,
          failuresRelation,
          scope: incremental ? 'changed' : 'all',
          ms: performance.now() - started,
        });
      }
    } finally {
      for (const scan of scans.values()) await adapter.exec(`drop table if exists ${scan}`);
    }
    // Every failures table counted in one query, not one query per test.
    const counts = results.length
      ? await adapter.query<Record<string, number>>(
          `select ${results.map((r, i) => `(select count(*) from ${r.failuresRelation}) as n${i}`).join(', ')}`,
        )
      : [];
    for (const [i, result] of results.entries()) {
      result.failures = Number(counts[0]![`n${i}`]);
      result.status = result.failures === 0 ? 'pass' : result.severity === 'warn' ? 'warn' : 'fail';
      if (result.status !== 'pass')
        log.warn(
          { test: result.name, failures: result.failures },
          `data test ${result.name}: ${result.failures} failing row(s)`,
        );
    }
    // Every test of these entities has seen their changes: next time only newer changes are checked.
    for (const [entity, tests] of checked) {
      const names = tests.map((t) => literal(t.name)).join(', ');
      await adapter.exec(`delete from ${testedRelation(adapter)} where test_name in (${names})`);
      await adapter.exec(
        `insert into ${testedRelation(adapter)} values ${tests
          .map((t) => `(${literal(entity)}, ${literal(t.name)}, ${literal(t.sql)})`)
          .join(', ')}`,
      );
      await adapter.exec(`drop table if exists ${changedRelation(adapter, entity)}`);
    }
  });
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
          details: JSON.stringify({
            test: r.name,
            kind: r.kind,
            scope: r.scope,
            failures_table: `test_failures.${r.name}`,
          }),
        })),
      )
      .execute();
  }
  return results;
}
