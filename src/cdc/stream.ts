import { DuckDBInstance } from '@duckdb/node-api';
import pg from 'pg';
import { LogicalReplicationService, PgoutputPlugin } from 'pg-logical-replication';
import type {
  Message,
  MessageRelation,
} from 'pg-logical-replication/dist/output-plugins/pgoutput/pgoutput.types.js';
import { ConfigError, DatabaseError, errorMessage } from '../common/errors.ts';
import { type Logger, silentLogger } from '../common/logger.ts';
import type { ObjectStore } from '../lake/store.ts';
import { duckTypeOf, LAKE_TABLES } from '../lake/tables.ts';
import {
  type CdcManifest,
  type ChangeEvent,
  duckTypeOfOid,
  lsnToNumber,
  numberToLsn,
  readCdcManifest,
  writeChangeFiles,
} from './changes.ts';
import { type JetStreamSink, openJetStream } from './nats.ts';

export interface CdcOptions {
  databaseUrl: string;
  store: ObjectStore;
  slot: string;
  publication: string;
  /** JetStream server; unset = change files only. */
  natsUrl?: string;
  /** JetStream stream name (subjects derive from it). */
  natsStream?: string;
  /** Tables to capture (default: every lake table). */
  tables?: readonly string[];
  /** Flush when this many changes wait, and after each quiet moment. */
  batchEvents?: number;
  log?: Logger;
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;
const quoteLiteral = (value: string) => `'${value.replaceAll("'", "''")}'`;

/**
 * Creates the publication and the pgoutput slot when missing. A new slot comes with an initial
 * snapshot (as Debezium's connector takes one): every row of the captured tables as it was at the
 * slot's consistent point, as `r` (read) events, so the change files alone hold every row.
 */
export async function ensureReplication(
  databaseUrl: string,
  options: { slot: string; publication: string; tables: readonly string[] },
): Promise<{ db: string; shapes: CdcManifest['tables']; snapshot?: ChangeEvent[] }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const wal = await client.query<{ wal_level: string; db: string }>(
      'select current_setting($1) as wal_level, current_database() as db',
      ['wal_level'],
    );
    const { wal_level, db } = wal.rows[0]!;
    if (wal_level !== 'logical') {
      throw new ConfigError(
        `CDC needs wal_level=logical on the source PostgreSQL (it is ${wal_level}); set it in postgresql.conf and restart the server`,
      );
    }
    const pub = await client.query('select 1 from pg_publication where pubname = $1', [options.publication]);
    if (pub.rowCount === 0) {
      await client.query(
        `create publication ${quoteIdent(options.publication)} for table ${options.tables.map(quoteIdent).join(', ')}`,
      );
    }
    const shapes = await tableShapes(client, options.tables);
    const slot = await client.query('select 1 from pg_replication_slots where slot_name = $1', [
      options.slot,
    ]);
    if (slot.rowCount !== 0) return { db, shapes };
    // The exported snapshot lives as long as the replication connection that created the slot.
    const replication = new pg.Client({
      connectionString: databaseUrl,
      replication: 'database',
    } as pg.ClientConfig);
    await replication.connect();
    try {
      const created = await replication.query<{ consistent_point: string; snapshot_name: string }>(
        `CREATE_REPLICATION_SLOT ${quoteIdent(options.slot)} LOGICAL pgoutput EXPORT_SNAPSHOT`,
      );
      const { consistent_point, snapshot_name } = created.rows[0]!;
      const snapshot = await readSnapshot(client, db, shapes, consistent_point, snapshot_name);
      return { db, shapes, snapshot };
    } finally {
      await replication.end();
    }
  } finally {
    await client.end();
  }
}

/** Each captured table's key and columns, typed as the export types them. */
async function tableShapes(client: pg.Client, tables: readonly string[]): Promise<CdcManifest['tables']> {
  const shapes: CdcManifest['tables'] = {};
  for (const table of tables) {
    const { rows } = await client.query<{
      column_name: string;
      data_type: string;
      numeric_precision: number | null;
      numeric_scale: number | null;
    }>(
      `select column_name, data_type, numeric_precision, numeric_scale from information_schema.columns
       where table_schema = 'public' and table_name = $1 order by ordinal_position`,
      [table],
    );
    if (rows.length === 0)
      throw new DatabaseError(`CDC: table ${table} does not exist; run gourmand db migrate`);
    shapes[table] = {
      key: [...(LAKE_TABLES.find((t) => t.name === table)?.key ?? [rows[0]!.column_name])],
      columns: rows.map((row) => ({ name: row.column_name, duckType: duckTypeOf(row) })),
    };
  }
  return shapes;
}

async function readSnapshot(
  client: pg.Client,
  db: string,
  shapes: CdcManifest['tables'],
  consistentPoint: string,
  snapshotName: string,
): Promise<ChangeEvent[]> {
  const lsn = lsnToNumber(consistentPoint);
  const events: ChangeEvent[] = [];
  await client.query('begin isolation level repeatable read read only');
  try {
    await client.query(`set transaction snapshot ${quoteLiteral(snapshotName)}`);
    await client.query("set local timezone = 'UTC'");
    await client.query("set local datestyle = 'ISO'");
    const now = Date.now();
    for (const [table, shape] of Object.entries(shapes)) {
      const { rows } = await client.query<Record<string, string | null>>(
        `select ${shape.columns.map((c) => `${quoteIdent(c.name)}::text as ${quoteIdent(c.name)}`).join(', ')}
         from ${quoteIdent(table)} order by ${shape.key.map(quoteIdent).join(', ')}`,
      );
      for (const row of rows) {
        events.push({
          before: null,
          after: row,
          op: 'r',
          ts_ms: now,
          source: {
            connector: 'postgresql',
            name: 'gourmand',
            db,
            schema: 'public',
            table,
            lsn,
            txId: 0,
            ts_ms: now,
            commit_lsn: lsn,
            seq: events.length,
          },
        });
      }
    }
  } finally {
    await client.query('rollback');
  }
  return events;
}

/**
 * pgoutput, with every column kept as PostgreSQL's text output: the lake casts it to the exact
 * type, and nothing is lost to JavaScript dates or floats on the way.
 */
class TextPgoutputPlugin extends PgoutputPlugin {
  override parse(buffer: Buffer): Message {
    const message = super.parse(buffer);
    // The parser caches this relation object and decodes later tuples with its columns' parsers.
    if (message.tag === 'relation')
      for (const column of message.columns) column.parser = (raw: unknown) => raw;
    return message;
  }
}

interface OpenTransaction {
  commitLsn: number;
  txId: number;
  commitTime: number;
  events: ChangeEvent[];
}

/**
 * `gourmand cdc stream`: reads the slot and writes every change, in commit order with its LSN and
 * commit time, to change files in the lake and (optionally) JetStream. Durability order: JetStream
 * acks (de-duplicated by message id = LSN), then the change files and their manifest, and only
 * then the slot's confirmed position. A crash anywhere replays from the confirmed position, and
 * the manifest's high LSN drops what was already written.
 */
export class CdcStream {
  private service?: LogicalReplicationService;
  private manifest!: CdcManifest;
  private pending: ChangeEvent[] = [];
  private pendingEndLsn = '0/0';
  private open?: OpenTransaction;
  private flushing: Promise<void> = Promise.resolve();
  private timer?: NodeJS.Timeout;
  private sink?: JetStreamSink;
  private duck?: DuckDBInstance;
  private db = '';
  private failure?: Error;
  private stopped = false;
  /** Resolves when the stream stops (or fails). */
  done!: Promise<void>;

  constructor(private readonly options: CdcOptions) {}

  private get log() {
    return this.options.log ?? silentLogger;
  }

  async start(): Promise<void> {
    const { options } = this;
    const tables = options.tables ?? LAKE_TABLES.map((t) => t.name);
    const { db, shapes, snapshot } = await ensureReplication(options.databaseUrl, {
      slot: options.slot,
      publication: options.publication,
      tables,
    });
    this.db = db;
    this.manifest = await readCdcManifest(options.store);
    this.manifest.tables = { ...this.manifest.tables, ...shapes };
    this.duck = await DuckDBInstance.create(':memory:');
    if (options.natsUrl)
      this.sink = await openJetStream(options.natsUrl, options.natsStream ?? 'GOURMAND_CDC', this.log);
    if (snapshot?.length) await this.write(snapshot);
    this.service = new LogicalReplicationService(
      { connectionString: options.databaseUrl, options: '-c TimeZone=UTC -c DateStyle=ISO' },
      { acknowledge: { auto: false, timeoutSeconds: 0 }, flowControl: { enabled: true } },
    );
    this.service.on('data', (lsn: string, message: Message) => this.onMessage(lsn, message));
    this.service.on('heartbeat', (lsn: string) => this.onHeartbeat(lsn));
    this.done = new Promise<void>((resolve, reject) => {
      this.service!.on('error', (error: Error) => {
        this.failure = new DatabaseError(`CDC replication stream: ${errorMessage(error)}`);
        reject(this.failure);
      });
      this.service!.subscribe(
        new TextPgoutputPlugin({ protoVersion: 1, publicationNames: [options.publication] }),
        options.slot,
      )
        .then(() => resolve())
        .catch((error: unknown) =>
          reject(new DatabaseError(`CDC replication stream: ${errorMessage(error)}`)),
        );
    });
    this.done.catch(() => {});
    this.log.info(
      {
        slot: options.slot,
        publication: options.publication,
        resume_after: numberToLsn(this.manifest.highCommitLsn),
      },
      'CDC stream started',
    );
  }

  private rememberRelation(relation: MessageRelation) {
    const lake = LAKE_TABLES.find((t) => t.name === relation.name);
    this.manifest.tables[relation.name] = {
      key: lake ? [...lake.key] : relation.keyColumns,
      columns: relation.columns.map((c) => ({ name: c.name, duckType: duckTypeOfOid(c.typeOid, c.typeMod) })),
    };
  }

  private async onMessage(lsn: string, message: Message) {
    switch (message.tag) {
      case 'relation':
        // A column added since start: take the stream's view of the table.
        if (message.columns.length !== this.manifest.tables[message.name]?.columns.length)
          this.rememberRelation(message);
        return;
      case 'begin':
        this.open = {
          commitLsn: lsnToNumber(message.commitLsn!),
          txId: message.xid,
          commitTime: Number(message.commitTime as bigint) / 1000,
          events: [],
        };
        return;
      case 'insert':
      case 'update':
      case 'delete': {
        const tx = this.open!;
        const op = message.tag === 'insert' ? 'c' : message.tag === 'update' ? 'u' : 'd';
        tx.events.push({
          before: message.tag === 'insert' ? null : (message.old ?? message.key ?? null),
          after: message.tag === 'delete' ? null : message.new,
          op,
          ts_ms: Date.now(),
          source: {
            connector: 'postgresql',
            name: 'gourmand',
            db: this.db,
            schema: message.relation.schema,
            table: message.relation.name,
            lsn: lsnToNumber(lsn),
            txId: tx.txId,
            ts_ms: Math.round(tx.commitTime),
            commit_lsn: tx.commitLsn,
            seq: tx.events.length,
          },
        });
        return;
      }
      case 'commit': {
        const tx = this.open;
        this.open = undefined;
        // Already written before a restart: the slot sends it again, the manifest says it is done.
        if (tx && tx.commitLsn > this.manifest.highCommitLsn) this.pending.push(...tx.events);
        this.pendingEndLsn = message.commitEndLsn!;
        if (this.pending.length >= (this.options.batchEvents ?? 5000)) await this.flush();
        else this.scheduleFlush();
        return;
      }
      default:
        return;
    }
  }

  /**
   * A keepalive with nothing of ours open or waiting confirms the server's position: on a busy
   * server a quiet database's slot otherwise never moves, and PostgreSQL keeps WAL for it.
   */
  private onHeartbeat(lsn: string) {
    if (this.open || this.pending.length > 0) return;
    this.flushing = this.flushing.then(async () => {
      if (!this.open && this.pending.length === 0) await this.service?.acknowledge(lsn);
    });
  }

  private scheduleFlush() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.flush().catch((error: unknown) => {
        this.failure = new DatabaseError(`CDC flush: ${errorMessage(error)}`);
        this.log.error({ err: error }, 'CDC flush failed; stopping (the slot keeps the changes)');
        void this.stop();
      });
    }, 100);
  }

  /** Makes the waiting changes durable, then confirms the slot up to them. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      const events = this.pending;
      const endLsn = this.pendingEndLsn;
      this.pending = [];
      if (events.length > 0) await this.write(events);
      if (endLsn !== '0/0') await this.service?.acknowledge(endLsn);
    });
    return this.flushing;
  }

  /** JetStream first (acks), then the change files and their manifest. */
  private async write(events: ChangeEvent[]) {
    await this.sink?.publish(events);
    const conn = await this.duck!.connect();
    try {
      this.manifest = await writeChangeFiles(this.options.store, conn, this.manifest, events);
    } finally {
      conn.closeSync();
    }
    this.log.info(
      { changes: events.length, high_lsn: numberToLsn(this.manifest.highCommitLsn) },
      `CDC wrote ${events.length} change(s)`,
    );
  }

  /** Stops reading, flushing what was received first. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    if (!this.failure) await this.flush().catch(() => {});
    await this.service?.stop();
    await this.sink?.close();
    this.duck?.closeSync();
    if (this.failure) throw this.failure;
  }
}
