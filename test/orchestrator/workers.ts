import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { type SettingKey, type Settings, settingDefs } from '../../src/config/settings.ts';
import { LAKE_TABLES } from '../../src/lake/tables.ts';
import type { SourceDatabase } from '../../src/oltp/database.ts';
import { gourmand } from '../support/cli.ts';

const bin = path.resolve(import.meta.dirname, '..', '..', 'bin', 'gourmand.js');

/** TEST_REDIS_URL when set; suites that need it run only then (and fail if it is unreachable). */
export const redisUrl = process.env.TEST_REDIS_URL;

/** A queue prefix no other test uses, so parallel suites share one Redis safely. */
export const uniquePrefix = () => `gtest-${process.pid}-${randomBytes(4).toString('hex')}`;

export interface WorkerProcess {
  child: ChildProcess;
  output: () => string;
  /** Resolves when the output contains a line with every one of `texts`. */
  waitFor(...texts: string[]): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `gourmand worker` in a child process with the given environment additions. */
export function spawnWorker(args: string[], env: Record<string, string>): WorkerProcess {
  return spawnGourmand(['worker', ...args], env);
}

/** Starts a long-running `gourmand <args>` (worker, schedule) whose output a test can wait for. */
export function spawnGourmand(args: string[], env: Record<string, string>): WorkerProcess {
  const child = spawn(process.execPath, [bin, ...args], {
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const waiters: { texts: string[]; resolve: () => void }[] = [];
  const seen = (texts: string[]) => output.split('\n').some((line) => texts.every((t) => line.includes(t)));
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    for (const waiter of [...waiters]) {
      if (seen(waiter.texts)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    waitFor: (...texts) =>
      seen(texts)
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            waiters.push({ texts, resolve });
            exited.then((code) => reject(new Error(`worker exited (${code}) before "${texts}":\n${output}`)));
          }),
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      // A process that has not exited 20 s after the signal is a bug (something keeps it alive):
      // killed so the clean-up ends, and the test fails saying so rather than passing silently.
      let killed = false;
      const timer = setTimeout(() => {
        killed = true;
        child.kill('SIGKILL');
      }, 20_000);
      try {
        const code = await exited;
        if (killed) {
          throw new Error(
            `gourmand ${args.join(' ')} (pid ${child.pid}) did not exit within 20 s of ${signal} and was SIGKILLed; its output:\n${output.slice(-4000)}`,
          );
        }
        return code;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Deletes every Redis key of a test's queue prefix. */
export async function dropQueues(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** The environment that makes a child process load these settings (what workers of a test share). */
export function settingsEnv(settings: Settings): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, def] of Object.entries(settingDefs)) {
    const value = settings[key as SettingKey];
    if (value !== undefined) env[def.env] = String(value);
  }
  return env;
}

/** `count` workers with the same arguments and environment, ready to take jobs. */
export async function spawnWorkers(count: number, args: string[], env: Record<string, string>) {
  const workers = Array.from({ length: count }, () => spawnWorker(args, env));
  await Promise.all(workers.map((w) => w.waitFor('worker ready')));
  return workers;
}

/** Stops the workers and deletes their queues. */
export async function stopWorkers(workers: WorkerProcess[], prefix: string) {
  await Promise.all(workers.map((w) => w.stop()));
  if (redisUrl) await dropQueues(redisUrl, prefix);
}

/**
 * Runs `gourmand <args>` without blocking this process (a simulator in it keeps answering), at the
 * log level of this process (info unless LOG_LEVEL is set); an undefined value in `env` unsets that
 * variable.
 */
export function runCli(args: string[], env: Record<string, string | undefined>, cwd?: string) {
  return gourmand(args, { LOG_LEVEL: process.env.LOG_LEVEL, ...env }, cwd);
}

/** Every source table, ordered, without the load-time timestamps that differ between two runs. */
export async function sourceTables(database: SourceDatabase) {
  const dump: Record<string, unknown[]> = {};
  for (const { name: table, key } of LAKE_TABLES) {
    const { rows } = await sql
      .raw<Record<string, unknown>>(`select * from ${table} order by ${key.join(', ')}`)
      .execute(database.db);
    dump[table] = rows.map(({ updated_at: _, change_xid: _xid, ...row }) => row);
  }
  return dump;
}

/** The warehouse marts, ordered, as plain values. */
export async function warehouseTables(settings: Settings) {
  const connection = await (await DuckDBInstance.create(new URL(settings.warehouseUrl).pathname)).connect();
  try {
    const columns = (
      await connection.runAndReadAll(
        `select table_name, column_name from information_schema.columns where table_schema = 'marts' order by table_name, ordinal_position`,
      )
    ).getRowObjectsJS();
    const byTable = new Map<string, string[]>();
    for (const { table_name, column_name } of columns) {
      const name = String(column_name);
      if (name === 'updated_at') continue;
      byTable.set(String(table_name), [...(byTable.get(String(table_name)) ?? []), `"${name}"`]);
    }
    const dump: Record<string, string> = {};
    for (const [table, list] of byTable) {
      const reader = await connection.runAndReadAll(
        `select ${list.join(', ')} from marts.${table} order by all`,
      );
      dump[table] = JSON.stringify(reader.getRowsJson());
    }
    return dump;
  } finally {
    connection.closeSync();
  }
}
