import { ValidationError } from '../common/errors.ts';
import { type Logger, silentLogger } from '../common/logger.ts';
import type { ObjectStore } from '../lake/store.ts';
import type { WarehouseAdapter } from './adapter.ts';
import { recordChanged, recordRebuilt } from './changes.ts';
import { type CompileContext, compileSql } from './compile.ts';
import { type LandResult, landingRefusal, landLake, planLanding } from './land.ts';
import {
  LAYERS,
  layoutOf,
  loadProject,
  type Model,
  type Project,
  selectModels,
  topoOrder,
} from './project.ts';
import { applySnapshotDate } from './snapshot.ts';

export interface WarehouseContext {
  adapter: WarehouseAdapter;
  store: ObjectStore;
  /** Where lake objects from a remote store are cached for the warehouse to read. */
  cacheDir: string;
  log?: Logger;
}

export interface BuildOptions {
  runDate: string;
  fullRefresh?: boolean;
  /** dbt-style selectors (`m`, `m+`, `+m`); default: every model. */
  select?: readonly string[];
  signal?: AbortSignal;
  project?: Project;
  /** Called after each model is committed (progress, tests that interrupt a build). */
  onModelBuilt?: (model: string) => void;
}

export interface ModelResult {
  name: string;
  materialized: Model['config']['materialized'];
  /** `full` (re)built, `incremental` merged the batch, `view` (re)defined. */
  mode: 'full' | 'incremental' | 'view';
  /** Rows in the table after the build (tables), rows merged (incremental), versions opened (snapshots). */
  rows: number;
  /** Wall time of the model's build, counting its row count. */
  ms: number;
}

export interface BuildReport {
  runDate: string;
  fullRefresh: boolean;
  /**
   * Set when the run date is older than the latest landed date and the lake has nothing new: the
   * build changed nothing (the warehouse already holds that later date).
   */
  upToDate?: string;
  land: LandResult;
  models: ModelResult[];
  /** Wall time of planning (reading manifests, verifying files) and of landing the lake. */
  timings: { planMs: number; landMs: number };
}

const META_LANDED = 'landed_partition';

/** Where an incremental model's batch is built before it is merged. */
export const batchRelation = (adapter: WarehouseAdapter, model: string) =>
  adapter.relation('_gourmand', `batch_${model}`);

export function relationResolver(adapter: WarehouseAdapter, project: Project) {
  return (name: string) => adapter.relation(project.models.get(name)!.layer, name);
}

/**
 * Builds the warehouse for a run date: lands the lake, then runs the selected models in
 * dependency order. Each model commits on its own (a table is swapped in one transaction), so
 * an interrupted build re-run gives the same tables as an undisturbed one.
 */
export async function buildWarehouse(ctx: WarehouseContext, options: BuildOptions): Promise<BuildReport> {
  const { adapter } = ctx;
  const log = ctx.log ?? silentLogger;
  const project = options.project ?? loadProject();
  const fullRefresh = options.fullRefresh ?? false;
  const started = performance.now();
  // Every check that can refuse the build runs before the warehouse changes.
  const plan = await planLanding(adapter, ctx.store, {
    runDate: options.runDate,
    fullRefresh,
    cacheDir: ctx.cacheDir,
  });
  const refusal = landingRefusal(plan);
  if (refusal) throw new ValidationError(refusal);
  if (!fullRefresh && plan.latestLanded !== null && options.runDate < plan.latestLanded) {
    // An older date with nothing new in the lake: its data is in the warehouse already.
    log.info(
      { runDate: options.runDate, latest: plan.latestLanded },
      `warehouse build of ${options.runDate} skipped: the warehouse holds ${plan.latestLanded} and the lake has nothing new`,
    );
    return {
      runDate: options.runDate,
      fullRefresh,
      upToDate: plan.latestLanded,
      land: { dates: [], filesRead: [], rows: 0 },
      models: [],
      timings: { planMs: performance.now() - started, landMs: 0 },
    };
  }
  const planned = performance.now();
  for (const layer of LAYERS) await adapter.ensureSchema(layer);
  const land = await landLake(adapter, plan, { log });
  const selected = selectModels(project, options.select ?? []);
  const relationOf = relationResolver(adapter, project);
  const report: BuildReport = {
    runDate: options.runDate,
    fullRefresh,
    land,
    models: [],
    timings: { planMs: planned - started, landMs: performance.now() - planned },
  };
  const models = topoOrder(project).filter((m) => selected.has(m.name));
  const compilerOf =
    (model: Model) =>
    (incremental: boolean, batchDates: readonly string[] = land.dates) => {
      const cctx: CompileContext = {
        adapter,
        relationOf,
        runDate: options.runDate,
        batchDates,
        incremental,
        self: relationOf(model.name),
      };
      return compileSql(model.body, cctx, model.file);
    };
  // A view, or a table reading nothing (dim_date), is the same relation while its SQL is.
  const sqlOnly = (m: Model) =>
    m.config.materialized === 'view' ||
    (m.config.materialized === 'table' && m.refs.length === 0 && m.sources.length === 0);
  const definitions = await staleDefinitions(
    adapter,
    models.map((m) => [m.name, sqlOnly(m) ? compilerOf(m)(false) : undefined]),
    fullRefresh,
  );
  for (const model of models) {
    options.signal?.throwIfAborted();
    const self = relationOf(model.name);
    const modelStarted = performance.now();
    const built = await buildModel(adapter, model, self, compilerOf(model), {
      fullRefresh,
      land,
      runDate: options.runDate,
      defined: definitions.current.has(model.name),
    });
    const result = { ...built, ms: performance.now() - modelStarted };
    report.models.push(result);
    log.info(
      {
        model: model.name,
        mode: result.mode,
        rows: result.rows,
        done: report.models.length,
        of: models.length,
        unit: 'models',
      },
      `built ${model.name}`,
    );
    options.onModelBuilt?.(model.name);
  }
  await definitions.record();
  return report;
}

const DEFINED = 'model_definition';

/**
 * The models defined by their SQL alone whose SQL differs from the one they were last built with
 * (all of them on a full refresh): only those are rebuilt, not every one on every build. Their
 * bookkeeping (and that of a model no longer defined by SQL alone) is dropped before any is rebuilt
 * and written back after, so an interrupted build rebuilds them again. `compiled`: each model
 * built, with its SQL if it is defined by it alone.
 */
async function staleDefinitions(
  adapter: WarehouseAdapter,
  compiled: readonly [string, string | undefined][],
  fullRefresh: boolean,
) {
  const defined = adapter.relation('_gourmand', DEFINED);
  await adapter.ensureSchema('_gourmand');
  await adapter.exec(`create table if not exists ${defined} (model varchar, model_sql varchar)`);
  const known = new Map(
    (
      await adapter.query<{ model: string; model_sql: string }>(`select model, model_sql from ${defined}`)
    ).map((row) => [row.model, row.model_sql]),
  );
  const stale = compiled.filter(
    (entry): entry is [string, string] =>
      entry[1] !== undefined && (fullRefresh || known.get(entry[0]) !== entry[1]),
  );
  const forget = compiled
    .filter(([name, sql]) => known.has(name) && (sql === undefined || stale.some(([s]) => s === name)))
    .map(([name]) => `'${name}'`);
  if (forget.length > 0) await adapter.exec(`delete from ${defined} where model in (${forget.join(', ')})`);
  return {
    /** The models defined by SQL alone that are as their SQL defines them. */
    current: new Set(
      compiled
        .filter(([name, sql]) => sql !== undefined && !stale.some(([s]) => s === name))
        .map(([name]) => name),
    ),
    async record() {
      if (stale.length === 0) return;
      const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;
      await adapter.exec(
        `insert into ${defined} values ${stale.map(([name, sql]) => `(${literal(name)}, ${literal(sql)})`).join(', ')}`,
      );
    },
  };
}

async function countRows(adapter: WarehouseAdapter, relation: string) {
  return (await adapter.query<{ n: number }>(`select count(*) as n from ${relation}`))[0]!.n;
}

async function buildModel(
  adapter: WarehouseAdapter,
  model: Model,
  self: string,
  compile: (incremental: boolean, batchDates?: readonly string[]) => string,
  run: { fullRefresh: boolean; land: LandResult; runDate: string; defined: boolean },
): Promise<Omit<ModelResult, 'ms'>> {
  const { materialized } = model.config;
  const base = { name: model.name, materialized };
  const exists = materialized === 'view' ? false : await adapter.tableExists(model.layer, model.name);
  switch (materialized) {
    case 'view':
      // Already defined with this SQL (staleDefinitions): it reads its inputs' current rows anyway.
      if (!run.defined) await adapter.replaceView(self, compile(false));
      return { ...base, mode: 'view', rows: 0 };
    case 'table':
      // Built from this SQL and no input (staleDefinitions): rebuilding gives the same rows.
      if (!(run.defined && exists))
        await adapter.transaction(() => adapter.replaceTable(self, compile(false), layoutOf(model)));
      return { ...base, mode: 'full', rows: await countRows(adapter, self) };
    case 'incremental': {
      if (run.fullRefresh || !exists) {
        await adapter.transaction(async () => {
          await adapter.replaceTable(self, compile(false), layoutOf(model));
          await recordApplied(adapter, model.name, await landedDates(adapter, run.runDate), true);
          await recordRebuilt(adapter, model.name);
        });
        return { ...base, mode: 'full', rows: await countRows(adapter, self) };
      }
      const keys = [model.config.unique_key!].flat();
      const batch = batchRelation(adapter, model.name);
      const dates = await pendingDates(adapter, model.name, run.runDate);
      const merged = await adapter.transaction(async () => {
        await adapter.replaceTable(batch, compile(true, dates));
        for (const statement of adapter.mergeSql(self, batch, keys)) await adapter.exec(statement);
        const n = await countRows(adapter, batch);
        // The merge replaced exactly the batch's keys: the data tests recheck only those.
        await recordChanged(adapter, model.name, keys, `select * from ${batch}`);
        await adapter.exec(`drop table ${batch}`);
        await recordApplied(adapter, model.name, dates, false);
        return n;
      });
      return { ...base, mode: 'incremental', rows: merged };
    }
    case 'snapshot': {
      const rebuild = run.fullRefresh || !exists;
      const dates = rebuild
        ? await landedDates(adapter, run.runDate)
        : await pendingDates(adapter, model.name, run.runDate);
      const opened = await adapter.transaction(async () => {
        if (rebuild) await adapter.exec(`drop table if exists ${self}`);
        let total = 0;
        for (const [i, date] of dates.entries()) {
          total += await applySnapshotDate(
            adapter,
            self,
            compile(false),
            model.config,
            date,
            !rebuild || i > 0,
          );
        }
        await recordApplied(adapter, model.name, dates, rebuild);
        return total;
      });
      return { ...base, mode: rebuild ? 'full' : 'incremental', rows: opened };
    }
  }
}

const APPLIED = 'applied_date';

/**
 * The extract dates an incremental model or snapshot still has to take in: every landed date up to
 * the run date it has not applied yet (a day whose build failed or skipped the model is caught up),
 * plus the run date itself (a re-run replaces it).
 */
async function pendingDates(adapter: WarehouseAdapter, model: string, runDate: string): Promise<string[]> {
  const applied = adapter.relation('_gourmand', APPLIED);
  await adapter.exec(`create table if not exists ${applied} (model varchar, extract_date date)`);
  const rows = await adapter.query<{ d: string }>(
    `select distinct cast(l.extract_date as varchar) as d from ${adapter.relation('_gourmand', META_LANDED)} as l
     where l.extract_date <= cast('${runDate}' as date)
       and (l.extract_date = cast('${runDate}' as date)
            or not exists (select 1 from ${applied} as a where a.model = '${model}' and a.extract_date = l.extract_date))
     order by d`,
  );
  return rows.map((row) => row.d);
}

async function recordApplied(
  adapter: WarehouseAdapter,
  model: string,
  dates: readonly string[],
  replace: boolean,
) {
  const applied = adapter.relation('_gourmand', APPLIED);
  await adapter.exec(`create table if not exists ${applied} (model varchar, extract_date date)`);
  await adapter.exec(
    replace
      ? `delete from ${applied} where model = '${model}'`
      : `delete from ${applied} where model = '${model}' and extract_date in (${dates.map((d) => `cast('${d}' as date)`).join(', ') || 'null'})`,
  );
  if (dates.length === 0) return;
  await adapter.exec(
    `insert into ${applied} values ${dates.map((d) => `('${model}', cast('${d}' as date))`).join(', ')}`,
  );
}

async function landedDates(adapter: WarehouseAdapter, runDate: string): Promise<string[]> {
  const rows = await adapter.query<{ d: string }>(
    `select distinct cast(extract_date as varchar) as d from ${adapter.relation('_gourmand', META_LANDED)}
     where extract_date <= cast('${runDate}' as date) order by d`,
  );
  return rows.map((row) => row.d);
}
