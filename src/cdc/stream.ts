import { DuckDBInstance } from '@duckdb/node-api';
import pg from 'pg';
import { LogicalReplicationService, PgoutputPlugin } from 'pg-logical-replication';
import type {
  Message,
  MessageRelation,
} from 'pg-logical-replication/dist/output-plugins/pgoutput/pgoutput.types.js';
import { ConfigError, DatabaseError, errorMessage } from '../common/errors.ts';
import { type Logger, silentLogger } from '../common/logger.ts';
import { quoteIdent, quoteLiteral } from '../common/sql-quote.ts';
import type { ObjectStore } from '../lake/store.ts';
import { duckTypeOf, LAKE_TABLES } from '../lake/tables.ts';
import {
  type CdcManifest,
  type ChangeEvent,
  CORRECTIONS_TABLE,
  duckTypeOfOid,
  lsnToNumber,
  numberToLsn,
  readCdcManifest,
  writeChangeFiles,
} from './changes.ts';
import { type JetStreamSink, openJetStream } from './nats.ts';

export interface CaptureTable {
  schema: string;
  name: string;
  key: readonly string[];
}

/**
 * What the stream captures: every lake table, and what the export reads besides them — the admin
 * corrections (`api.business_override`) it applies to businesses through `business_effective`,
 * which the CDC build applies in turn (src/cdc/lake.ts). Names are unique without their schema.
 */
export const CDC_TABLES: readonly CaptureTable[] = [
  ...LAKE_TABLES.map((t) => ({ schema: 'public', name: t.name, key: t.key })),
  { schema: 'api', name: CORRECTIONS_TABLE, key: ['business_id', 'field'] },
];

export interface CdcOptions {
  databaseUrl: string;
  store: ObjectStore;
  slot: string;
  publication: string;
  /** JetStream server; unset = change files only. */
  natsUrl?: string;
  /** JetStream stream name (subjects derive from it). */
  natsStream?: string;
  /** Flush when this many changes wait, and after each quiet moment. */
  batchEvents?: number;
  log?: Logger;
}

const qualified = (table: CaptureTable) => `${quoteIdent(table.schema)}.${quoteIdent(table.name)}`;

/**
 * Creates the publication and the pgoutput slot when missing. A new slot comes with an initial
 * snapshot (as Debezium's connector takes one): every row of the captured tables as it was at the
 * slot's consistent point, as `r` (read) events, so the change files alone hold every row.
 */
export async function ensureReplication(
  databaseUrl: string,
  options: { slot: string; publication: string; tables: readonly CaptureTable[] },
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
    await ensurePublication(client, options);
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
      const snapshot = await readSnapshot(
        client,
        db,
        options.tables,
        shapes,
        consistent_point,
        snapshot_name,
      );
      return { db, shapes, snapshot };
    } finally {
      await replication.end();
    }
  } finally {
    await client.end();
  }
}

/**
 * Creates the publication over the captured tables. One made before a table joined the capture
 * (the admin corrections came later) is refused rather than widened: its slot never snapshotted
 * that table's rows, so the change files would lack the ones set before.
 */
async function ensurePublication(
  client: pg.Client,
  options: { slot: string; publication: string; tables: readonly CaptureTable[] },
) {
  const { publication, tables } = options;
  if ((await client.query('select 1 from pg_publication where pubname = $1', [publication])).rowCount === 0) {
    await client.query(
      `create publication ${quoteIdent(publication)} for table ${tables.map(qualified).join(', ')}`,
    );
    return;
  }
  const { rows } = await client.query<{ name: string }>(
    `select schemaname || '.' || tablename as name from pg_publication_tables where pubname = $1`,
    [publication],
  );
  const published = new Set(rows.map((r) => r.name));
  const missing = tables.map((t) => `${t.schema}.${t.name}`).filter((name) => !published.has(name));
  if (missing.length > 0) {
    throw new ConfigError(
      `CDC publication ${publication} lacks ${missing.join(', ')} (made by an older Gourmand): stop the stream, run "select pg_drop_replication_slot('${options.slot}'); drop publication ${publication};" delete the lake's _cdc/ prefix, and start it again to take a new snapshot`,
    );
  }
}

/** Each captured table's key and columns, typed as the export types them. */
async function tableShapes(
  client: pg.Client,
  tables: readonly CaptureTable[],
): Promise<CdcManifest['tables']> {
  const shapes: CdcManifest['tables'] = {};
  for (const table of tables) {
    const { rows } = await client.query<{
      column_name: string;
      data_type: string;
      numeric_precision: number | null;
      numeric_scale: number | null;
    }>(
      `select column_name, data_type, numeric_precision, numeric_scale from information_schema.columns
       where table_schema = $1 and table_name = $2 order by ordinal_position`,
      [table.schema, table.name],
    );
    if (rows.length === 0)
      throw new DatabaseError(
        `CDC: table ${table.schema}.${table.name} does not exist; run gourmand db migrate`,
      );
    shapes[table.name] = {
      key: [...table.key],
      columns: rows.map((row) => ({ name: row.column_name, duckType: duckTypeOf(row) })),
    };
  }
  return shapes;
}

async function readSnapshot(
  client: pg.Client,
  db: string,
  tables: readonly CaptureTable[],
  shapes: CdcManifest['tables'],
  consistentPoint: string,
  snapshotName: string,
): Promise<ChangeEvent[]> {
  // The snapshot sits one byte before the consistent point. The slot streams every transaction whose
  // commit record starts at or after that point, and a change record may start exactly there: at
  // the point itself, the manifest's high LSN would drop such a commit as already written, and its
  // changes would share `lsn:seq` ids (JetStream's de-duplication key) with snapshot rows. No record
  // starts one byte earlier (WAL records are 8-byte aligned).
  const lsn = lsnToNumber(consistentPoint) - 1;
  const events: ChangeEvent[] = [];
  await client.query('begin isolation level repeatable read read only');
  try {
    await client.query(`set transaction snapshot ${quoteLiteral(snapshotName)}`);
    await client.query("set local timezone = 'UTC'");
    await client.query("set local datestyle = 'ISO'");
    const now = Date.now();
    for (const table of tables) {
      const shape = shapes[table.name]!;
      const { rows } = await client.query<Record<string, string | null>>(
        `select ${shape.columns.map((c) => `${quoteIdent(c.name)}::text as ${quoteIdent(c.name)}`).join(', ')}
         from ${qualified(table)} order by ${shape.key.map(quoteIdent).join(', ')}`,
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
            schema: table.schema,
            table: table.name,
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
  /** Messages received: the service parses each on arrival, then queues it for the handler. */
  received = 0;

  override parse(buffer: Buffer): Message {
    this.received++;
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
  private plugin!: TextPgoutputPlugin;
  /** Messages the handler has taken in (compared with the plugin's count received). */
  private handled = 0;
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
    const { db, shapes, snapshot } = await ensureReplication(options.databaseUrl, {
      slot: options.slot,
      publication: options.publication,
      tables: CDC_TABLES,
    });
    this.db = db;
    this.manifest = await readCdcManifest(options.store);
    this.manifest.tables = { ...this.manifest.tables, ...shapes };
    this.duck = await DuckDBInstance.create(':memory:');
    if (options.natsUrl)
      this.sink = await openJetStream(options.natsUrl, options.natsStream ?? 'GOURMAND_CDC', this.log);
    if (snapshot?.length) await this.write(snapshot);
    this.plugin = new TextPgoutputPlugin({ protoVersion: 1, publicationNames: [options.publication] });
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
      this.service!.subscribe(this.plugin, options.slot)
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
    const captured = CDC_TABLES.find((t) => t.name === relation.name);
    this.manifest.tables[relation.name] = {
      key: captured ? [...captured.key] : relation.keyColumns,
      columns: relation.columns.map((c) => ({ name: c.name, duckType: duckTypeOfOid(c.typeOid, c.typeMod) })),
    };
  }

  private async onMessage(lsn: string, message: Message) {
    this.handled++;
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
   * A keepalive with nothing of ours open, waiting or still queued confirms the server's position:
   * on a busy server a quiet database's slot otherwise never moves, and PostgreSQL keeps WAL for it.
   * Keepalives skip the service's queue of changes, and their position is past every transaction
   * sent before them: confirming it while such a transaction still waits in the queue would lose
   * that transaction to a crash.
   */
  private onHeartbeat(lsn: string) {
    const idle = () => !this.open && this.pending.length === 0 && this.handled === this.plugin.received;
    if (!idle()) return;
    this.flushing = this.flushing.then(async () => {
      if (idle()) await this.confirm(lsn);
    });
  }

  /**
   * Confirms the slot up to `lsn`, the end of what is durable (a commit's end, a keepalive's sent
   * position). The library reports its argument + 1 ("last byte + 1"), but these positions are
   * already ends: one byte past, the server's confirmed position would lie inside the next record,
   * and PostgreSQL skips, on the next start, every commit whose record starts before that position —
   * so a transaction committed right there (one open while the stream sat idle) would be lost.
   */
  private confirm(lsn: string) {
    return this.service?.acknowledge(numberToLsn(lsnToNumber(lsn) - 1));
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
      if (endLsn !== '0/0') await this.confirm(endLsn);
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
