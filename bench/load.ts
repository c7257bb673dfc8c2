/**
 * First-load benchmark: ≥ 1,000,000 businesses with their category and transaction bridges.
 *
 * Ours: the pipeline's load of a kept raw pull (gzip JSON lines → COPY into staging → set-based
 * SQL into city, business, bridges and business_holding), in a child process whose peak RSS is
 * reported. Reference, same run: `psql -1` running `\copy` of exactly the rows ours produced
 * (exported as CSV) into the same tables of a second fresh database — the fastest way those rows
 * can get into those tables. Both databases start migrated with the same geography.
 *
 * Each round loads both into fresh databases (CHECKPOINT before each side), ours and psql
 * alternating first (bench/procedure.ts); every round, the load average and the median are printed.
 *
 *   npm run bench:load [-- rows] [--rounds N]   # 1,000,000 businesses, 3 rounds
 *   npm run bench:load -- --quick                # 20,000 businesses, 1 round (smoke run)
 *   BENCH_ROWS=50000 npm run bench:load          (BENCH_ROWS works too)
 *   DATABASE_URL=postgres://… npm run bench:load   (admin URL; the bench creates and drops its databases)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { openPostgres } from '../src/oltp/database.ts';
import { loadGeography } from '../src/oltp/load/geography.ts';
import { withLoadTransaction } from '../src/oltp/load/session.ts';
import { migrate } from '../src/oltp/migrate.ts';
import { CATEGORIES } from '../src/simulator/categories.ts';
import { geography } from '../src/simulator/geo.ts';
import { createWorld, yelpBusinessJson } from '../src/simulator/index.ts';
import { rawDir, writeJsonLines } from '../src/sources/raw-store.ts';
import { categoriesFile, countyFile } from '../src/sources/yelp-pull.ts';
import { benchArgs, interleaved, printRounds, QUICK, roundsFor } from './procedure.ts';

const ROWS = Number(benchArgs()[0] ?? process.env.BENCH_ROWS ?? (QUICK ? 20_000 : 1_000_000));
const ROUNDS = roundsFor(3);
const ADMIN_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DATE = '2026-11-25';
// About 66% of a world is open on a given day; size the world so at least ROWS are.
const WORLD = Math.ceil(ROWS / 0.6);
const TABLES = [
  'city',
  'business_category',
  'transaction_type',
  'business',
  'business_category_bridge',
  'business_transaction_bridge',
  'business_holding',
];

const here = path.dirname(fileURLToPath(import.meta.url));
const work = mkdtempSync(path.join(tmpdir(), 'gourmand-bench-load-'));
const stateDir = path.join(work, 'state');
const csvDir = path.join(work, 'csv');
mkdirSync(csvDir, { recursive: true });
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function* pulledLines(): Generator<unknown> {
  let n = 0;
  for (const b of createWorld({ businesses: WORLD, seed: 42 }).businessesOn(DATE)) {
    if (n++ >= ROWS) return;
    yield { t: 'business', county: b.countyFips, r: yelpBusinessJson(b, false, true) };
  }
}

async function createDatabase(name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const database = await openPostgres(url.href, 2);
  try {
    await migrate(database);
    // Same geography in both databases: every state and county of the simulator.
    const geo = geography();
    await withLoadTransaction(database, (session) =>
      loadGeography(session, DATE, {
        states: geo.states.map((s) => ({ name: s.name, code: s.code })),
        counties: geo.counties.map((c) => ({
          fips: c.fips,
          name: c.name,
          stateFips: c.stateFips,
          stateName: c.state.name,
        })),
        population: [],
        quarantined: [],
      }),
    );
  } finally {
    await database.close();
  }
  return url.href;
}

async function dropDatabase(name: string) {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`drop database if exists ${name} with (force)`).finally(() => admin.end());
}

function psql(url: string, args: string[]) {
  return execFileSync('psql', [url, '-X', '-q', '-v', 'ON_ERROR_STOP=1', ...args], { encoding: 'utf8' });
}

const ours = `gourmand_bench_ours_${process.pid}`;
const reference = `gourmand_bench_ref_${process.pid}`;

interface WorkerResult {
  ms: number;
  counts: Record<string, number>;
  peakRssMb: number;
}

/** Our load into a fresh database, in a child process (its peak RSS is the load's alone). */
function runOurs(url: string): WorkerResult {
  const worker = spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(here, 'load-worker.ts'), url, stateDir, DATE],
    { encoding: 'utf8', maxBuffer: 1 << 24 },
  );
  if (worker.status !== 0) throw new Error(`load worker failed: ${worker.stderr}`);
  return JSON.parse(worker.stdout.trim().split('\n').at(-1)!) as WorkerResult;
}

try {
  console.log(
    `bench:load — ${ROWS.toLocaleString()} businesses (world of ${WORLD.toLocaleString()}), ${ROUNDS} round(s), ${ADMIN_URL}`,
  );
  const t = performance.now();
  const dir = rawDir({ stateDir }, 'yelp', DATE);
  const written = await writeJsonLines(countyFile(dir, 'all'), pulledLines());
  await writeJsonLines(
    categoriesFile(dir),
    CATEGORIES.map((c) => ({
      t: 'category',
      r: { alias: c.alias, title: c.title, parent_aliases: c.parentAliases },
    })),
  );
  console.log(
    `generated the raw pull: ${written.toLocaleString()} businesses in ${seconds(performance.now() - t)}`,
  );

  // The rows ours produces, as CSV: what the reference \copy's into the same tables.
  const oursUrl = await createDatabase(ours);
  const first = runOurs(oursUrl);
  const script = TABLES.map((table) => {
    const file = path.join(csvDir, `${table}.csv`);
    psql(oursUrl, ['-c', `\\copy (select * from ${table}) to '${file}' with (format csv)`]);
    return `\\copy ${table} from '${file}' with (format csv)`;
  }).join('\n');
  writeFileSync(path.join(work, 'copy.sql'), `${script}\n`);
  const rows = TABLES.reduce((sum, table) => sum + (first.counts[table] ?? 0), 0);
  console.log(`rows per table: ${TABLES.map((table) => `${table}=${first.counts[table]}`).join(' ')}`);

  const count = (url: string, table: string) =>
    Number(psql(url, ['-At', '-c', `select count(*) from ${table}`]).trim());
  // Same state before each side: a fresh migrated database, nothing dirty in shared buffers.
  const fresh = (name: string) => async () => {
    const url = await createDatabase(name);
    psql(url, ['-c', 'checkpoint']);
  };
  const urlOf = (name: string) => Object.assign(new URL(ADMIN_URL), { pathname: `/${name}` }).href;
  let peakRssMb = 0;
  const results = await interleaved(
    ROUNDS,
    {
      name: 'ours',
      prepare: fresh(ours),
      run: async () => {
        const result = runOurs(urlOf(ours));
        peakRssMb = Math.max(peakRssMb, result.peakRssMb);
        return rows / (result.ms / 1000);
      },
    },
    {
      name: 'psql \\copy',
      prepare: fresh(reference),
      run: async () => {
        const started = performance.now();
        psql(urlOf(reference), ['-1', '-f', path.join(work, 'copy.sql')]);
        return rows / ((performance.now() - started) / 1000);
      },
    },
    (round) => {
      for (const table of TABLES) {
        const [a, b] = [count(urlOf(ours), table), count(urlOf(reference), table)];
        if (a !== b) throw new Error(`${table}: ours ${a} rows, reference ${b}`);
      }
      console.log(
        `round ${round.round}: ours ${Math.round(round.ours).toLocaleString()} rows/s, psql \\copy ${Math.round(round.reference).toLocaleString()} rows/s`,
      );
    },
  );
  printRounds(
    `first load of ${rows.toLocaleString()} rows (rows/s; ratio ours / psql \\copy, target ≥ 1.0)`,
    results,
    (v) => `${Math.round(v).toLocaleString()} rows/s`,
    (r) => r.ours / r.reference,
  );
  console.log(`peak RSS of our load: ${peakRssMb} MB`);
} finally {
  await dropDatabase(ours).catch(() => {});
  await dropDatabase(reference).catch(() => {});
  rmSync(work, { recursive: true, force: true });
}
