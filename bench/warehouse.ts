/**
 * Warehouse build cost: a full build (every lake partition, snapshots replayed date by date)
 * against one day's incremental build, over ≥ 30 simulated days, in interleaved rounds
 * (bench/procedure.ts). The share of businesses changed per day is measured from the simulator's
 * default world (SIM_BUSINESSES, SIM_SEED), not chosen by hand. Target: one day ≤ 5% of full.
 * Each side opens the warehouse, builds, runs the data tests and closes it (the checkpoint); the
 * ratio is printed without the tests and with them, every round, and the steps of the last round.
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:warehouse [-- businesses days] [--rounds N]
 *   npm run bench:warehouse -- --quick     (2,000 businesses, 5 days, 1 round)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { addDays } from '../src/common/dates.ts';
import { loadSettings } from '../src/config/settings.ts';
import { exportLake } from '../src/lake/export.ts';
import { FileStore } from '../src/lake/store.ts';
import { execScript } from '../src/oltp/database.ts';
import type { TruthBusiness } from '../src/simulator/index.ts';
import { createWorld } from '../src/simulator/index.ts';
import { type DataTestResult, runDataTests } from '../src/warehouse/data-tests.ts';
import { DuckDbAdapter } from '../src/warehouse/duckdb.ts';
import { buildWarehouse } from '../src/warehouse/runner.ts';
import { benchArgs, interleaved, printRounds, QUICK, roundsFor } from './procedure.ts';
import { benchSql, scratchSource } from './scratch-source.ts';

const [businessArg, daysArg] = benchArgs();
const businesses = Number(businessArg ?? (QUICK ? 2_000 : 100_000));
const days = Number(daysArg ?? (QUICK ? 5 : 30));
const FIRST = '2026-01-01';

/**
 * The share of businesses whose row changes from one day to the next in the simulator's default
 * world, over `days` days: opened, closed, or any attribute but the day's rating and review count
 * (those are the holdings, written for every business every day anyway).
 */
function simulatedChangeRate(): number {
  const { simBusinesses, simSeed } = loadSettings({ env: {} });
  const world = createWorld({ businesses: simBusinesses, seed: simSeed });
  const attributes = ({ rating: _r, reviewCount: _c, distance: _d, ...rest }: TruthBusiness) =>
    JSON.stringify(rest);
  const on = (date: string) => new Map([...world.businessesOn(date)].map((b) => [b.id, attributes(b)]));
  let changed = 0;
  let seen = 0;
  let previous = on(FIRST);
  for (let day = 1; day < days; day++) {
    const today = on(addDays(FIRST, day));
    for (const [id, row] of today) if (previous.get(id) !== row) changed++;
    for (const id of previous.keys()) if (!today.has(id)) changed++;
    seen += today.size;
    previous = today;
  }
  return changed / Math.max(1, seen);
}

const rate = simulatedChangeRate();
const every = Math.max(1, Math.round(1 / Math.max(rate, 1e-6)));
const dir = mkdtempSync(path.join(tmpdir(), 'gourmand-bench-wh-'));
const store = new FileStore(path.join(dir, 'lake'));
const database = await scratchSource();
try {
  console.log(
    `simulating ${days} days of ${businesses.toLocaleString()} businesses on ${database.kind}; ` +
      `daily change rate of the simulator's default world ${(100 * rate).toFixed(2)}% → one business in ${every} changes per day …`,
  );
  await execScript(database.db, benchSql('seed-businesses.sql', { n: businesses }));
  for (let day = 0; day < days; day++) {
    await execScript(database.db, benchSql('warehouse-day.sql', { day, every }));
    await exportLake(database, store, addDays(FIRST, day));
  }
  const last = addDays(FIRST, days - 1);
  // Each step of the last run of each side: where the time goes.
  const steps = new Map<string, Map<string, number>>();
  type Report = Awaited<ReturnType<typeof buildWarehouse>>;
  /** A daily warehouse run: open, build, data tests, close (DuckDB checkpoints there). */
  const run = async (file: string, runDate: string, fullRefresh: boolean, side?: string) => {
    const t0 = performance.now();
    const adapter = await DuckDbAdapter.open(path.join(dir, file));
    const opened = performance.now();
    let report: Report;
    let built: number;
    let tested: number;
    let tests: DataTestResult[];
    try {
      report = await buildWarehouse(
        { adapter, store, cacheDir: path.join(dir, 'cache') },
        { runDate, fullRefresh },
      );
      built = performance.now();
      tests = await runDataTests(adapter, database.db, { runDate });
      tested = performance.now();
    } finally {
      await adapter.close();
    }
    const closed = performance.now();
    if (side) {
      steps.set(
        side,
        new Map<string, number>([
          ['open', opened - t0],
          ['plan landing', report.timings.planMs],
          ['land lake', report.timings.landMs],
          ...report.models.map((m) => [m.name, m.ms] as [string, number]),
          ['data tests', tested - built],
          ...tests
            .sort((a, b) => b.ms - a.ms)
            .slice(0, 8)
            .map((t) => [`  test ${t.name}`, t.ms] as [string, number]),
          ['close (checkpoint)', closed - tested],
        ]),
      );
    }
    return { report, build: built - t0 + (closed - tested), total: closed - t0 };
  };
  // The incremental warehouse holds every day but the last, tested; then the last day is built
  // and tested alone. Re-running that day does the same work again (it replaces the date's
  // partitions and facts, and its tests recheck them), so each round repeats it.
  await run('incremental.duckdb', addDays(last, -1), true);
  let fullRuns = 0;
  let facts = { merged: 0, full: 0, filesIncremental: 0, filesFull: 0 };
  const factRows = (report: Report) => report.models.find((m) => m.name === 'fct_business_holding')!.rows;
  const results = await interleaved(
    roundsFor(3),
    {
      name: 'one day',
      run: async () => {
        const r = await run('incremental.duckdb', last, false, 'one day');
        facts = { ...facts, merged: factRows(r.report), filesIncremental: r.report.land.filesRead.length };
        return r;
      },
    },
    {
      name: 'full build',
      run: async () => {
        const file = `full-${fullRuns++}.duckdb`;
        const r = await run(file, last, true, 'full');
        rmSync(path.join(dir, file), { force: true });
        facts = { ...facts, full: factRows(r.report), filesFull: r.report.land.filesRead.length };
        return r;
      },
    },
  );
  console.log(
    `full build: ${facts.filesFull} lake files, ${facts.full.toLocaleString()} fact rows; one day (${last}): ${facts.filesIncremental} lake files, ${facts.merged.toLocaleString()} fact rows merged`,
  );
  const ms = (v?: number) => (v === undefined ? '–' : `${v.toFixed(0)} ms`);
  const full = steps.get('full');
  const day = steps.get('one day');
  console.log('\n| step (last round) | full build | one day |\n|---|---|---|');
  const names = [...new Set([...(full?.keys() ?? []), ...(day?.keys() ?? [])])];
  for (const name of names.sort((a, b) => (full?.get(b) ?? 0) - (full?.get(a) ?? 0)))
    console.log(`| ${name} | ${ms(full?.get(name))} | ${ms(day?.get(name))} |`);
  const seconds = (v: number) => `${(v / 1000).toFixed(2)} s`;
  const figure = (key: 'build' | 'total') =>
    results.map((r) => ({ round: r.round, ours: r.ours[key], reference: r.reference[key] }));
  printRounds(
    `warehouse: one day's incremental build vs the ${days}-day full build, open to checkpoint, without data tests (ratio one day / full, target ≤ 0.05×)`,
    figure('build'),
    seconds,
    (r) => r.ours / r.reference,
  );
  printRounds(
    `warehouse: the same with the data tests (a day's tests recheck that day's rows; after the full build, every row)`,
    figure('total'),
    seconds,
    (r) => r.ours / r.reference,
  );
} finally {
  await database.close();
  rmSync(dir, { recursive: true, force: true });
}
