import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { connect, StringCodec } from 'nats';
import pg from 'pg';
import { CDC_MANIFEST, type CdcManifest, type ChangeEvent } from '../../src/cdc/changes.ts';
import type { FileStore } from '../../src/lake/store.ts';

export const natsUrl = process.env.TEST_NATS_URL;

/** Names no other suite or run uses: slots and publications are per server, streams per NATS. */
export function uniqueNames() {
  const id = randomBytes(4).toString('hex');
  return {
    slot: `gourmand_t_${id}`,
    publication: `gourmand_t_${id}`,
    natsStream: `GOURMAND_T_${id.toUpperCase()}`,
  };
}

/** Waits until the slot's confirmed position reaches the server's current WAL position. */
export async function waitCaughtUp(url: string, slot: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn');
    for (;;) {
      const done = await client.query<{ ok: boolean }>(
        'select confirmed_flush_lsn >= $2::pg_lsn as ok from pg_replication_slots where slot_name = $1',
        [slot, rows[0]!.lsn],
      );
      if (done.rows[0]?.ok) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await client.end();
  }
}

/** Drops the slot (it holds WAL) and the publication. */
export async function dropReplication(url: string, names: { slot: string; publication: string }) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(
      'select pg_terminate_backend(active_pid) from pg_replication_slots where slot_name = $1 and active_pid is not null',
      [names.slot],
    );
    await client.query('select pg_sleep(0.5)');
    await client.query(
      'select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = $1',
      [names.slot],
    );
    await client.query(`drop publication if exists ${names.publication}`);
  } finally {
    await client.end();
  }
}

export interface StoredChange {
  table: string;
  lsn: number;
  commit_lsn: number;
  seq: number;
  op: string;
  before: Record<string, string | null> | null;
  after: Record<string, string | null> | null;
}

/** Every change the manifest names, in file order, read back from the Parquet files. */
export async function readChangeFiles(store: FileStore): Promise<StoredChange[]> {
  const text = await store.getText(CDC_MANIFEST);
  if (!text) return [];
  const manifest = JSON.parse(text) as CdcManifest;
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  const out: StoredChange[] = [];
  try {
    for (const file of manifest.files) {
      const reader = await conn.runAndReadAll(
        `select lsn, commit_lsn, seq, op, cast(before as varchar) as before, cast(after as varchar) as after
         from read_parquet('${path.join(store.root, file.key)}')`,
      );
      for (const row of reader.getRowObjectsJS()) {
        out.push({
          table: file.table,
          lsn: Number(row.lsn),
          commit_lsn: Number(row.commit_lsn),
          seq: Number(row.seq),
          op: String(row.op),
          before: row.before === null ? null : JSON.parse(String(row.before)),
          after: row.after === null ? null : JSON.parse(String(row.after)),
        });
      }
    }
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
  return out;
}

/** Every message of a JetStream stream in stream order, with its subject and message id; then deletes the stream. */
export async function drainStream(url: string, stream: string) {
  const nc = await connect({ servers: url });
  const codec = StringCodec();
  try {
    const jsm = await nc.jetstreamManager();
    const info = await jsm.streams.info(stream);
    const messages: { subject: string; id: string | undefined; event: ChangeEvent }[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
      const m = await jsm.streams.getMessage(stream, { seq });
      messages.push({
        subject: m.subject,
        id: m.header?.get('Nats-Msg-Id'),
        event: JSON.parse(codec.decode(m.data)),
      });
    }
    await jsm.streams.delete(stream);
    return messages;
  } finally {
    await nc.close();
  }
}
