import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileStore } from '../../src/lake/store.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { tempDir } from '../warehouse/helpers.ts';
import { drainStream, dropReplication, natsUrl, readChangeFiles, uniqueNames } from './support.ts';

const server = process.env.TEST_DATABASE_URL;
const bin = path.resolve(import.meta.dirname, '..', '..', 'bin', 'gourmand.js');
const TRANSACTIONS = 12;
const USERS_PER_TRANSACTION = 100;

/** `gourmand cdc stream` in a child process; `firstWrite` resolves when it logs its first batch of the workload. */
function startStream(env: Record<string, string>) {
  const child = spawn(process.execPath, [bin, 'cdc', 'stream'], {
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  // Logs go to stderr. The first batch holds one or more whole 120-change transactions: a stream
  // that falls behind (a busy machine) writes the commits it has received together.
  const firstWrite = new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk;
      if (/CDC wrote [1-9]\d* change\(s\)/.test(stderr)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`cdc stream exited (${code}) before writing: ${stderr}`)));
  });
  firstWrite.catch(() => {});
  const started = new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', () => {
      if (stderr.includes('CDC stream started')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`cdc stream exited (${code}) before starting: ${stderr}`)));
  });
  started.catch(() => {});
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, started, firstWrite, exited };
}

describe.runIf(server)('CDC stream killed with SIGKILL mid-stream, then restarted', () => {
  let database: TestDatabase;
  let child: ChildProcess | undefined;
  const names = uniqueNames();
  const lake = new FileStore(tempDir('cdc-kill'));

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    if (database?.url) await dropReplication(database.url, names);
    await database?.close();
  });

  it('loses and duplicates nothing: the change files and JetStream hold each change of the source once', {
    timeout: 180_000,
  }, async () => {
    if (!natsUrl)
      throw new Error('TEST_NATS_URL is not set: the CDC suite needs JetStream (bash .ci/run starts it)');
    const env = {
      DATABASE_URL: database.url!,
      LAKE_URL: pathToFileURL(lake.root).href,
      GOURMAND_STATE_DIR: tempDir('cdc-state'),
      CDC_SLOT: names.slot,
      CDC_PUBLICATION: names.publication,
      CDC_BATCH_EVENTS: '50',
      CDC_NATS_URL: natsUrl,
      CDC_NATS_STREAM: names.natsStream,
    };
    const first = startStream(env);
    child = first.child;
    // Each transaction inserts 100 users and renames the first 20 of them: 120 changes.
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    // Writes start once the stream has made its slot and read its snapshot: a transaction that
    // committed while the slot was being created went missing once under load (1,320 of 1,440
    // changes), a case of its own, not the kill and restart tested here.
    await first.started;
    const workload = (async () => {
      for (let t = 0; t < TRANSACTIONS; t++) {
        await client.query('begin');
        for (let u = 0; u < USERS_PER_TRANSACTION; u++) {
          await client.query('insert into yelp_user (yelp_user_id, name) values ($1, $2)', [
            `u-${t}-${u}`,
            `User ${u}`,
          ]);
        }
        await client.query(
          "update yelp_user set name = name || ' (renamed)', updated_at = now() where yelp_user_id like $1 and split_part(yelp_user_id, '-', 3)::int < 20",
          [`u-${t}-%`],
        );
        await client.query('commit');
      }
    })();
    // Killed at its first batch, while the other transactions stream in.
    await first.firstWrite;
    first.child.kill('SIGKILL');
    await first.exited;
    await workload;
    await client.end();

    const second = startStream(env);
    child = second.child;
    // Caught up once the change files hold as many changes as the workload made (a loss never gets
    // there; a duplicate fails below). Not the slot reaching the server's WAL position: on a busy
    // server that waits on a keepalive for other databases' WAL, which stream.test.ts covers.
    const expected = TRANSACTIONS * (USERS_PER_TRANSACTION + 20);
    const written = async () => {
      // A deadline inside the test's own: a stream that lost changes fails saying how many it holds.
      const deadline = Date.now() + 120_000;
      for (;;) {
        const held = (await readChangeFiles(lake)).filter((c) => c.table === 'yelp_user').length;
        if (held >= expected) return;
        if (Date.now() > deadline) throw new Error(`the change files hold ${held} of ${expected} changes`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    };
    await Promise.race([
      written(),
      second.exited.then((code) => {
        throw new Error(`the restarted stream exited (${code})`);
      }),
    ]);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    child = undefined;

    const changes = (await readChangeFiles(lake)).filter((c) => c.table === 'yelp_user');
    const ids = changes.map((c) => `${c.lsn}:${c.seq}`);
    expect(new Set(ids).size).toBe(ids.length);
    // What the source's history is, worked out from the workload itself.
    const inserts = changes.filter((c) => c.op === 'c' || c.op === 'r');
    const updates = changes.filter((c) => c.op === 'u');
    expect(new Set(inserts.map((c) => c.after!.yelp_user_id)).size).toBe(inserts.length);
    expect(inserts.length).toBe(TRANSACTIONS * USERS_PER_TRANSACTION);
    expect(updates.length).toBe(TRANSACTIONS * 20);
    expect(updates.every((c) => c.after!.name!.endsWith(' (renamed)'))).toBe(true);
    // In commit order: each transaction's changes together, transactions ascending.
    const commits = changes.map((c) => c.commit_lsn);
    expect(commits).toEqual([...commits].sort((a, b) => a - b));

    const messages = (await drainStream(natsUrl, names.natsStream)).filter(
      (m) => m.event.source.table === 'yelp_user',
    );
    expect(messages.map((m) => `${m.event.source.lsn}:${m.event.source.seq}`)).toEqual(ids);
  });
});
