/**
 * First-load benchmark: ≥ 1,000,000 businesses with their category and transaction bridges.
 *
 * Ours: the pipeline's load of a kept raw pull (gzip JSON lines → COPY into staging → set-based
 * SQL into city, business, bridges and business_holding), in a child process whose peak RSS is
 * reported. Reference, same run: `psql -1` running `\copy` of exactly the rows ours produced
 * (exported as CSV) into the same tables of a second fresh database — the fastest way those rows
 * can get into those tables. Both databases start migrated with the same geography.
 *
 *   npm run bench:load                # 1,000,000 businesses
 *   BENCH_ROWS=50000 npm run bench:load
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

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
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
try {
  console.log(
    `bench:load — ${ROWS.toLocaleString()} businesses (world of ${WORLD.toLocaleString()}), ${ADMIN_URL}`,
  );
  let t = performance.now();
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
  const oursUrl = await createDatabase(ours);
  const refUrl = await createDatabase(reference);

  // Ours, in a child process.
  const worker = spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(here, 'load-worker.ts'), oursUrl, stateDir, DATE],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    },
  );
  if (worker.status !== 0) throw new Error(`load worker failed: ${worker.stderr}`);
  const result = JSON.parse(worker.stdout.trim().split('\n').at(-1)!) as {
    ms: number;
    counts: Record<string, number>;
    peakRssMb: number;
  };
  const rows = TABLES.reduce((sum, table) => sum + (result.counts[table] ?? 0), 0);

  // The same rows as CSV, then psql \copy into the reference database in one transaction.
  const script = TABLES.map((table) => {
    const file = path.join(csvDir, `${table}.csv`);
    psql(oursUrl, ['-c', `\\copy (select * from ${table}) to '${file}' with (format csv)`]);
    return `\\copy ${table} from '${file}' with (format csv)`;
  }).join('\n');
  writeFileSync(path.join(work, 'copy.sql'), `${script}\n`);
  t = performance.now();
  psql(refUrl, ['-1', '-f', path.join(work, 'copy.sql')]);
  const refMs = performance.now() - t;

  const count = (url: string, table: string) =>
    Number(psql(url, ['-At', '-c', `select count(*) from ${table}`]).trim());
  for (const table of TABLES) {
    const [a, b] = [count(oursUrl, table), count(refUrl, table)];
    if (a !== b) throw new Error(`${table}: ours ${a} rows, reference ${b}`);
  }

  const oursRate = rows / (result.ms / 1000);
  const refRate = rows / (refMs / 1000);
  console.log(`rows per table: ${TABLES.map((table) => `${table}=${result.counts[table]}`).join(' ')}`);
  console.log(
    `ours (raw pull → staging COPY → set-based upserts): ${rows.toLocaleString()} rows in ${seconds(result.ms)} = ${Math.round(oursRate).toLocaleString()} rows/s`,
  );
  console.log(
    `reference (psql \\copy of the same rows):            ${rows.toLocaleString()} rows in ${seconds(refMs)} = ${Math.round(refRate).toLocaleString()} rows/s`,
  );
  console.log(`ratio ours / psql: ${(oursRate / refRate).toFixed(2)} (target ≥ 0.8)`);
  console.log(`peak RSS of our load: ${result.peakRssMb} MB`);
} finally {
  await dropDatabase(ours).catch(() => {});
  await dropDatabase(reference).catch(() => {});
  rmSync(work, { recursive: true, force: true });
}
