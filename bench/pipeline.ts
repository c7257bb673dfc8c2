/**
 * The whole daily pipeline at scale, and the orchestrator's own overhead.
 *   npm run bench:pipeline [-- 1000000] [-- --businesses 100000] [-- --rounds N] [-- --quick]
 *     [-- --skip-pipeline] [-- --skip-scheduling]
 * Part 1: day 1 (full pull) and day 2 (daily pull) of the daily graph, in-process, against a
 *   simulator in a child process (so its memory is not counted): seconds and peak RSS per task;
 *   day 1 is the reference for day 2. Each round starts from a fresh database and state directory
 *   (day 2 needs day 1, so within a round they cannot swap), with a CHECKPOINT before each day.
 * Part 2: 500 no-op tasks (10 chains of 50) in-process (4 at once) vs BullMQ with two
 *   `gourmand worker` processes (2 at once each): tasks/s, the in-process run as the reference,
 *   in interleaved rounds (bench/procedure.ts).
 * --quick: 2,000 businesses, 1 round.
 * Uses the PostgreSQL server of BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres,
 * a scratch database is created and dropped) and Redis at BENCH_REDIS_URL (default redis://127.0.0.1:6379/0).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { addDays } from '../src/common/dates.ts';
import { silentLogger } from '../src/common/logger.ts';
import { loadSettings, type Settings } from '../src/config/settings.ts';
import { openPostgres, type SourceDatabase } from '../src/oltp/database.ts';
import { migrate } from '../src/oltp/migrate.ts';
import { followRun, submitRun } from '../src/orchestrator/bullmq.ts';
import { dailyGraph } from '../src/orchestrator/pipeline.ts';
import { runGraph } from '../src/orchestrator/runner.ts';
import { NOOP_TASKS, graph as noopGraph } from './noop-graph.ts';
import { benchArgs, interleaved, median, printRounds, QUICK, roundsFor } from './procedure.ts';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : fallback;
};
const BUSINESSES = Number(benchArgs()[0] ?? option('businesses', QUICK ? '2000' : '100000'));
const ROUNDS = roundsFor(3);
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/0';
const DAY1 = '2026-03-02';
const DAY2 = '2026-03-03';
const bin = path.resolve(import.meta.dirname, '..', 'bin', 'gourmand.js');
let scratchCount = 0;
const mb = (bytes: number) => `${Math.round(bytes / 1048576)} MB`;

async function scratchDatabase(): Promise<{ database: SourceDatabase; url: string; drop(): Promise<void> }> {
  const name = `gourmand_bench_pipeline_${process.pid}_${scratchCount++}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const database = await openPostgres(url.href, 8);
  await migrate(database);
  return {
    database,
    url: url.href,
    async drop() {
      await database.close();
      const cleanup = new pg.Client({ connectionString: ADMIN_URL });
      await cleanup.connect();
      await cleanup.query(`drop database if exists ${name} with (force)`);
      await cleanup.end();
    },
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function start(argv: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [bin, ...argv], {
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

async function waitForOutput(child: ChildProcess, text: string): Promise<void> {
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(text)) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`child exited (${code}) before "${text}":\n${output}`)));
  });
}

async function stop(child: ChildProcess) {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.on('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** Samples this process's RSS so each task's peak can be read from its start and end times. */
function rssSampler() {
  const samples: [number, number][] = [[Date.now(), process.memoryUsage().rss]];
  const timer = setInterval(() => samples.push([Date.now(), process.memoryUsage().rss]), 50);
  return {
    peak: (from: number, to: number) =>
      Math.max(0, ...samples.filter(([t]) => t >= from - 50 && t <= to + 50).map(([, rss]) => rss)),
    stop: () => clearInterval(timer),
  };
}

async function pipelineDay(database: SourceDatabase, dbUrl: string, stateDir: string, date: string) {
  const port = await freePort();
  const sim = start(
    [
      'sim',
      'serve',
      '--port',
      String(port),
      '--businesses',
      String(BUSINESSES),
      '--seed',
      '42',
      '--date',
      date,
    ],
    {},
  );
  await waitForOutput(sim, 'YELP_BASE_URL');
  const url = `http://127.0.0.1:${port}`;
  const settings: Settings = loadSettings({
    env: {
      GOURMAND_STATE_DIR: stateDir,
      DATABASE_URL: dbUrl,
      LOG_LEVEL: 'silent',
      YELP_API_KEY: 'sim-yelp-key',
      CENSUS_API_KEY: 'sim-census-key',
      YELP_BASE_URL: url,
      CENSUS_BASE_URL: url,
      STATES_PAGE_URL: `${url}/abbreviations.htm`,
      SOURCE_RATE_PER_SECOND: '1000',
      EXTRACT_CONCURRENCY: '8',
      // The simulator serves any date, so the bench's fixed past dates are pulled.
      SOURCE_SERVES_HISTORY: '1',
    },
    cwd: stateDir,
  });
  const sampler = rssSampler();
  try {
    const summary = await runGraph({
      graph: dailyGraph(),
      runDate: date,
      settings,
      database,
      log: silentLogger,
    });
    const rows = await database.db
      .selectFrom('ops.task_run')
      .select(['task_name', 'status', 'rows', 'started_at', 'ended_at', 'error'])
      .where('run_id', '=', summary.runId)
      .orderBy('started_at')
      .execute();
    // A failed day's figures mean nothing: stop with the first task's error.
    const failed = rows.find((r) => r.status === 'failed');
    if (summary.status !== 'succeeded') {
      throw new Error(`${date}: run ${summary.status}: ${failed?.task_name}: ${failed?.error ?? 'no error'}`);
    }
    return {
      status: summary.status,
      seconds: summary.durationMs / 1000,
      tasks: rows.map((r) => ({
        task: r.task_name,
        status: r.status,
        rows: r.rows,
        seconds: ((r.ended_at ?? new Date()).getTime() - r.started_at.getTime()) / 1000,
        peak: sampler.peak(r.started_at.getTime(), (r.ended_at ?? new Date()).getTime()),
      })),
      peak: sampler.peak(0, Date.now()),
    };
  } finally {
    sampler.stop();
    await stop(sim);
  }
}

async function checkpoint(database: SourceDatabase) {
  await database.pool!.query('checkpoint');
}

async function pipelinePart() {
  console.log(`\n## Daily pipeline, ${BUSINESSES.toLocaleString()} simulated businesses (PostgreSQL server)`);
  const rounds: { round: number; ours: number; reference: number }[] = [];
  const peaks: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const scratch = await scratchDatabase();
    const stateDir = mkdtempSync(path.join(tmpdir(), 'gourmand-bench-pipeline-'));
    try {
      const days = [];
      for (const date of [DAY1, DAY2]) {
        await checkpoint(scratch.database);
        const day = await pipelineDay(scratch.database, scratch.url, stateDir, date);
        console.log(
          `\nround ${round}, ${date}: ${day.status} in ${day.seconds.toFixed(1)} s, peak RSS ${mb(day.peak)}`,
        );
        console.log('| task | status | rows | seconds | peak RSS |\n|---|---|---|---|---|');
        for (const t of day.tasks) {
          console.log(
            `| ${t.task} | ${t.status} | ${t.rows ?? ''} | ${t.seconds.toFixed(1)} | ${mb(t.peak)} |`,
          );
        }
        days.push(day);
      }
      rounds.push({ round, ours: days[1]!.seconds, reference: days[0]!.seconds });
      peaks.push(Math.max(days[0]!.peak, days[1]!.peak));
    } finally {
      await scratch.drop();
      rmSync(stateDir, { recursive: true, force: true });
    }
  }
  printRounds(
    `daily pipeline of ${BUSINESSES.toLocaleString()} businesses: day 2 (daily pull, "ours") vs day 1 (full pull, "reference"), ratio day 2 / day 1`,
    rounds,
    (s) => `${s.toFixed(1)} s`,
    (r) => r.ours / r.reference,
  );
  console.log(`peak RSS over both days: median ${mb(median(peaks))}, max ${mb(Math.max(...peaks))}`);
}

async function schedulingPart() {
  const scratch = await scratchDatabase();
  const prefix = `gbench-${randomBytes(4).toString('hex')}`;
  const graphModule = path.join(import.meta.dirname, 'noop-graph.ts');
  const env = { DATABASE_URL: scratch.url, REDIS_URL, QUEUE_PREFIX: prefix, LOG_LEVEL: 'warn' };
  const settings = loadSettings({ env: { ...env, LOG_LEVEL: 'silent', TASK_CONCURRENCY: '4' } });
  const workers = [0, 1].map(() =>
    start(['worker', '--graph', graphModule, '--concurrency', '2'], { ...env, LOG_LEVEL: 'info' }),
  );
  try {
    await Promise.all(workers.map((w) => waitForOutput(w, 'worker ready')));
    console.log(`\n## Scheduling overhead: ${NOOP_TASKS} no-op tasks (10 chains of 50)`);
    // A run date per run, so no run finds another's finished tasks.
    let runs = 0;
    const nextDate = () => addDays(DAY1, runs++);
    const results = await interleaved(
      ROUNDS,
      {
        name: 'BullMQ, 2 workers × 2',
        run: async () => {
          const runId = await submitRun({
            graph: noopGraph(),
            runDate: nextDate(),
            settings,
            database: scratch.database,
          });
          const remote = await followRun({
            graph: noopGraph(),
            runId,
            database: scratch.database,
            log: silentLogger,
            pollMs: 100,
          });
          if (remote.status !== 'succeeded') throw new Error(`BullMQ run ${remote.status}`);
          return NOOP_TASKS / (remote.durationMs / 1000);
        },
      },
      {
        name: 'in-process (4 at once)',
        run: async () => {
          const local = await runGraph({
            graph: noopGraph(),
            runDate: nextDate(),
            settings,
            database: scratch.database,
            log: silentLogger,
          });
          if (local.status !== 'succeeded') throw new Error(`in-process run ${local.status}`);
          return NOOP_TASKS / (local.durationMs / 1000);
        },
      },
    );
    printRounds(
      'scheduling: BullMQ, 2 workers × 2 ("ours") vs in-process, 4 at once ("reference"), tasks/s, ratio BullMQ / in-process',
      results,
      (rate) => `${rate.toFixed(0)} tasks/s`,
      (r) => r.ours / r.reference,
    );
  } finally {
    await Promise.all(workers.map(stop));
    const { Redis } = await import('ioredis');
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await scratch.drop();
  }
}

if (!flag('skip-scheduling')) await schedulingPart();
if (!flag('skip-pipeline')) await pipelinePart();
await sleep(0);
