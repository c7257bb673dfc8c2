import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../../src/api/app.ts';
import { silentLogger } from '../../src/common/logger.ts';
import { loadSettings } from '../../src/config/settings.ts';
import { openDatabase } from '../../src/oltp/database.ts';
import { dailyGraph } from '../../src/orchestrator/pipeline.ts';
import { JWT_SECRET, openTestCache } from '../api/support.ts';

// Three real runs of the daily pipeline (test mode: the Yelp pull stops at 300 calls).
vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

const BIN = path.resolve('bin/gourmand.js');
const DATE = '2026-03-02';
const TASKS = dailyGraph().map((task) => task.name);
const stateDir = mkdtempSync(path.join(tmpdir(), 'gourmand-run-logs-'));
const env = {
  GOURMAND_STATE_DIR: stateDir,
  SIM_BUSINESSES: '300',
  EXTRACT_MODE: 'test',
  LOG_LEVEL: 'info',
  DATABASE_URL: '',
  REDIS_URL: '',
  LOG_SHIP_URL: '',
  NO_COLOR: '',
};
// Cursor moves, colours and line clears: what is left is the text a person reads.
const plainText = (screen: string) => stripVTControlCharacters(screen).replace(/\r/g, '');

/** Runs a command to its end (asynchronously: a long synchronous wait starves vitest's worker). */
function exec(command: string, args: string[], extraEnv: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(command, args, {
      env: { ...process.env, ...env, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const cli = (args: string[]) => exec(process.execPath, [BIN, ...args]);

/** `gourmand run` under a pseudo-terminal (util-linux `script`): stdout and stderr are the TTY. */
async function runOnTerminal(extraEnv: Record<string, string> = {}) {
  const command = `${process.execPath} ${BIN} run --date ${DATE}`;
  const result = await exec('script', ['-q', '-e', '-c', command, '/dev/null'], extraEnv);
  return { code: result.code, screen: result.stdout };
}

/** The records of the kept log files, read without DuckDB. */
function fileRecords(run?: number): Record<string, unknown>[] {
  const folder = path.join(stateDir, 'logs', DATE);
  return readdirSync(folder)
    .filter((name) => run === undefined || name === `run-${run}.jsonl`)
    .flatMap((name) =>
      readFileSync(path.join(folder, name), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    );
}

const endLine = (task: string) =>
  new RegExp(`^\\d\\d:\\d\\d:\\d\\d +\\d+ of ${TASKS.length}  ${task} \\.+ (OK|ERROR)`, 'gm');
const startLine = (task: string) =>
  new RegExp(`^\\d\\d:\\d\\d:\\d\\d +\\d+ of ${TASKS.length}  ${task} \\.+ START`, 'gm');

describe('gourmand run: terminal view, kept run logs, gourmand logs', () => {
  let live: Awaited<ReturnType<typeof runOnTerminal>>;
  let offTty: Awaited<ReturnType<typeof exec>>;
  let plain: Awaited<ReturnType<typeof runOnTerminal>>;
  beforeAll(async () => {
    live = await runOnTerminal();
    offTty = await exec(process.execPath, [BIN, 'run', '--date', DATE]);
    plain = await runOnTerminal({ NO_COLOR: '1' });
  });

  it('on a terminal: one line per task as it starts and ends, a progress bar during extract_yelp, the summary', () => {
    // Test mode makes the run partial (exit 3): the Yelp pull stopped at its call limit.
    expect([0, 3]).toContain(live.code);
    const screen = plainText(live.screen);
    for (const task of TASKS) {
      expect(screen.match(startLine(task)), task).toHaveLength(1);
      expect(screen.match(endLine(task)), task).toHaveLength(1);
    }
    expect(screen).toMatch(/extract_yelp +[█░]{24} \d+\/\d+ counties +[\d.–]+\/s +ETA /);
    // The live part is drawn in place (cursor hidden, lines cleared), unlike plain lines.
    expect(live.screen).toContain('\x1b[?25l');
    expect(screen).toMatch(new RegExp(`^Run 1 for ${DATE}: (succeeded|partial) in [\\d.]+ s$`, 'm'));
    expect(screen).toMatch(/^extract_yelp +(succeeded|failed) +1 /m);
    // No pretty-printed multi-line records.
    expect(screen).not.toMatch(/^\s+\w+: /m);
  });

  it('off a TTY the log is JSON lines only; the summary stays on stdout', () => {
    expect([0, 3]).toContain(offTty.code);
    const lines = offTty.stderr.split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(TASKS.length);
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
    expect(offTty.stderr).not.toContain('\x1b');
    expect(offTty.stdout).toMatch(new RegExp(`^Run 2 for ${DATE}: `));
    // Progress carries the quota the API says is left (the simulator's RateLimit-Remaining of its
    // 1,000,000 calls a day): never more than what this pull's calls leave.
    const progress = fileRecords(2).filter((r) => r.msg === 'yelp pull progress');
    expect(progress.length).toBeGreaterThan(0);
    for (const r of progress) {
      expect(r.quota_left as number).toBeLessThan(1_000_000);
      expect((r.quota_left as number) + (r.calls as number)).toBeGreaterThanOrEqual(1_000_000);
    }
  });

  it('under NO_COLOR on a terminal: the same task lines, plain, with no bar', () => {
    expect([0, 3]).toContain(plain.code);
    expect(plain.screen).not.toContain('\x1b');
    const screen = plainText(plain.screen);
    for (const task of TASKS) expect(screen.match(endLine(task)), task).toHaveLength(1);
    expect(screen).not.toMatch(/[█░]/);
  });

  it("keeps each run's full log in logs/<date>/run-<id>.jsonl and records the file in ops.pipeline_run", async () => {
    const settings = loadSettings({ env: { GOURMAND_STATE_DIR: stateDir, DATABASE_URL: '' }, cwd: stateDir });
    const database = await openDatabase(settings);
    try {
      const runs = await database.db
        .selectFrom('ops.pipeline_run')
        .select(['run_id', 'log_file'])
        .orderBy('run_id')
        .execute();
      expect(runs.map((r) => [r.run_id, r.log_file])).toEqual(
        [1, 2, 3].map((id) => [id, path.join(stateDir, 'logs', DATE, `run-${id}.jsonl`)]),
      );
    } finally {
      await database.close();
    }
    for (const run of [1, 2, 3]) {
      const records = fileRecords(run);
      expect(records.every((r) => r.runId === run)).toBe(true);
      const ended = records.filter((r) => r.event === 'task_succeeded' || r.event === 'task_failed');
      expect(ended.map((r) => r.task).sort()).toEqual([...TASKS].sort());
    }
  });

  it("gourmand logs --run 1 --task extract_yelp --level info returns that task's records", async () => {
    const result = await cli(['logs', '--run', '1', '--task', 'extract_yelp', '--level', 'info', '--json']);
    expect(result.code).toBe(0);
    const got = result.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
    const expected = fileRecords(1).filter((r) => r.task === 'extract_yelp' && Number(r.level) >= 30);
    expect(got).toEqual(expected);
    expect(got.map((r) => r.msg)).toContain('yelp pull progress');
    expect(got.at(-1).event).toBe('task_succeeded');

    const table = await cli(['logs', '--run', '1', '--task', 'extract_yelp']);
    expect(table.stdout.split('\n').filter((l) => / extract_yelp /.test(l))).toHaveLength(expected.length);
    const warnings = await cli(['logs', '--level', 'warn', '--json']);
    const warned = fileRecords().filter((r) => Number(r.level) >= 40);
    expect(warnings.stdout.split('\n').filter(Boolean)).toHaveLength(warned.length);
  });

  it('gourmand logs stats summarises per task and level across the three runs', async () => {
    const result = await cli(['logs', 'stats', '--json']);
    expect(result.code).toBe(0);
    const stats = JSON.parse(result.stdout) as Record<string, Record<string, unknown>[]>;
    const records = fileRecords();
    const names: Record<number, string> = {
      10: 'trace',
      20: 'debug',
      30: 'info',
      40: 'warn',
      50: 'error',
      60: 'fatal',
    };
    const counts = new Map<string, { records: number; runs: Set<unknown> }>();
    for (const r of records) {
      const key = `${r.task ?? '(run)'}|${names[Number(r.level)]}`;
      const entry = counts.get(key) ?? { records: 0, runs: new Set() };
      entry.records += 1;
      entry.runs.add(r.runId);
      counts.set(key, entry);
    }
    const expected = [...counts].map(([key, v]) => {
      const [task, level] = key.split('|');
      return { task, level, records: v.records, runs: v.runs.size };
    });
    const byKey = (a: Record<string, unknown>, b: Record<string, unknown>) =>
      `${a.task}|${a.level}`.localeCompare(`${b.task}|${b.level}`);
    expect([...stats.levels!].sort(byKey)).toEqual(expected.sort(byKey));
    // Every task succeeded (or failed) in each of the three runs: its slowest attempt is the max.
    const succeeded = records.filter((r) => r.event === 'task_succeeded');
    const slowest = stats.slowest![0]!;
    const max = Math.max(...succeeded.map((r) => Number(r.ms)));
    expect(slowest.max_s).toBe(Math.round(max / 100) / 10);
    expect(slowest.task).toBe(succeeded.find((r) => Number(r.ms) === max)!.task);
    const warned = records.filter((r) => Number(r.level) >= 40);
    const times = (stats.warnings ?? []).reduce((sum, w) => sum + Number(w.times), 0);
    expect(times).toBeLessThanOrEqual(warned.length);
    if (warned.length > 0) expect(stats.warnings!.length).toBeGreaterThan(0);
    const text = await cli(['logs', 'stats']);
    expect(text.stdout).toContain('Slowest steps');
  });

  it("the API gives the run page each task's log lines (GET /analytics/pipeline/runs/{id}/logs)", async () => {
    const settings = loadSettings({
      env: { GOURMAND_STATE_DIR: stateDir, DATABASE_URL: '', JWT_SECRET, GOURMAND_DEV: 'true' },
      cwd: stateDir,
    });
    const database = await openDatabase(settings);
    const cache = await openTestCache('memory', 'run-logs:');
    const app = await buildApp({ settings, database, cache, log: silentLogger });
    try {
      const response = await app.inject({ url: '/analytics/pipeline/runs/1/logs?task=extract_yelp' });
      expect(response.statusCode).toBe(200);
      const expected = fileRecords(1).filter((r) => r.task === 'extract_yelp' && Number(r.level) >= 30);
      expect(response.json().items.map((l: { msg: string }) => l.msg)).toEqual(expected.map((r) => r.msg));
      const all = (await app.inject({ url: '/analytics/pipeline/runs/1/logs' })).json().items as {
        task: string | null;
      }[];
      expect(new Set(all.map((l) => l.task).filter(Boolean))).toEqual(new Set(TASKS));
      expect((await app.inject({ url: '/analytics/pipeline/runs/99/logs' })).statusCode).toBe(404);
    } finally {
      await app.close();
      await cache.close();
      await database.close();
    }
  });
});
