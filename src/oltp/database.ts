import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { type Compilable, type CompiledQuery, Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { DatabaseError, errorMessage } from '../common/errors.ts';
import { acquireLock } from '../common/process-lock.ts';
import type { Settings } from '../config/settings.ts';
import { statePath } from '../config/state-dir.ts';
import { pglitePool } from './pglite-dialect.ts';
import type { Schema } from './schema.ts';

export type DatabaseKind = 'pglite' | 'postgres';

/**
 * The source database, whichever engine holds it. Stages query through `db` (Kysely);
 * only bulk paths (COPY) look at `kind` and the raw handle underneath.
 */
export interface SourceDatabase {
  readonly kind: DatabaseKind;
  readonly db: Kysely<Schema>;
  /** A human-readable location (file path or URL without password) for logs. */
  readonly location: string;
  /** Set when kind === 'postgres'. */
  readonly pool?: pg.Pool;
  /** Set when kind === 'pglite'. */
  readonly pglite?: PGlite;
  close(): Promise<void>;
}

/**
 * Runs a read of fixed shape as the named prepared statement `name` on the server, so each
 * connection plans it once: for a hot lookup through `business_effective` planning costs several
 * times the execution (~1 ms against 0.2). PGlite runs it through `db`. One name, one text: each
 * stays prepared on its connection for the connection's life.
 */
export async function queryPrepared<R>(
  database: SourceDatabase,
  name: string,
  query: Compilable<R>,
): Promise<R[]> {
  if (!database.pool) return (await database.db.executeQuery(query.compile())).rows;
  const { sql: text, parameters } = query.compile();
  return (await database.pool.query({ name, text, values: [...parameters] })).rows as R[];
}

/**
 * A query of fixed shape whose parameters are its arguments, built and compiled once per Kysely
 * instance: building and compiling in JS on every call was 14% of the CPU of a one-business miss.
 * The first call checks that the compiled parameters are the arguments, in order.
 */
export function compiledOnce<A extends unknown[], R>(
  build: (db: Kysely<Schema>, ...args: A) => Compilable<R>,
): (db: Kysely<Schema>, ...args: A) => Compilable<R> {
  const compiled = new WeakMap<Kysely<Schema>, CompiledQuery<R>>();
  return (db, ...args) => {
    let query = compiled.get(db);
    if (!query) {
      query = build(db, ...args).compile();
      if (query.parameters.length !== args.length || query.parameters.some((p, i) => p !== args[i])) {
        throw new Error('compiledOnce: the query’s parameters are not its arguments');
      }
      compiled.set(db, query);
    }
    const shape = query;
    return { compile: () => ({ ...shape, parameters: args }) };
  };
}

// Postgres type OIDs we parse the same way on both engines.
const OID = { int8: 20, numeric: 1700, date: 1082, timestamp: 1114, timestamptz: 1184 } as const;
const toNumber = (value: string) => Number(value);
const asIs = (value: string) => value;

let pgTypesConfigured = false;
function configurePgTypes() {
  if (pgTypesConfigured) return;
  pgTypesConfigured = true;
  // Counts and ids fit in a double; money-like numerics here have at most 2 decimals.
  pg.types.setTypeParser(OID.int8, toNumber);
  pg.types.setTypeParser(OID.numeric, toNumber);
  // A date is a calendar day, not an instant: keep 'YYYY-MM-DD' and never shift it by time zone.
  pg.types.setTypeParser(OID.date, asIs);
}

export interface OpenOptions {
  /** PGlite folder; default `<stateDir>/pglite`. 'memory' for an in-memory instance. */
  pgliteDir?: string | 'memory';
  /** Pool size for the server; default 10. */
  poolSize?: number;
}

export interface PostgresTimeouts {
  /** TCP connect plus the startup handshake (a listener that is not PostgreSQL never finishes it). */
  connectTimeoutMs?: number;
  /** Client-side wait for any query's answer (a hung server); 0 = none. */
  queryTimeoutMs?: number;
}

export async function openDatabase(
  settings: Pick<Settings, 'databaseUrl' | 'stateDir'> &
    Partial<Pick<Settings, 'databaseConnectTimeoutMs' | 'databaseQueryTimeoutMs'>>,
  options: OpenOptions = {},
): Promise<SourceDatabase> {
  if (settings.databaseUrl) {
    return openPostgres(settings.databaseUrl, options.poolSize ?? 10, {
      connectTimeoutMs: settings.databaseConnectTimeoutMs,
      queryTimeoutMs: settings.databaseQueryTimeoutMs,
    });
  }
  const dir = options.pgliteDir ?? statePath(settings, 'pglite');
  return openPglite(dir === 'memory' ? undefined : dir);
}

export async function openPostgres(
  url: string,
  poolSize = 10,
  timeouts: PostgresTimeouts = {},
): Promise<SourceDatabase> {
  configurePgTypes();
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    connectionTimeoutMillis: timeouts.connectTimeoutMs ?? 5000,
    ...(timeouts.queryTimeoutMs ? { query_timeout: timeouts.queryTimeoutMs } : {}),
  });
  const safeUrl = redactUrl(url);
  // An idle client's error (server restart) must not crash the process; the next query reports it.
  pool.on('error', () => {});
  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    await pool.end().catch(() => {});
    throw new DatabaseError(
      `Cannot connect to PostgreSQL at ${safeUrl}: ${errorMessage(error)}; ${POSTGRES_ADVICE}`,
    );
  }
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
  return {
    kind: 'postgres',
    db,
    pool,
    location: safeUrl,
    close: () => db.destroy(),
  };
}

/** Embedded PGlite: in memory without `dataDir`; `loadDataDir` starts it from a `dumpDataDir` tarball. */
export async function openPglite(
  dataDir?: string,
  options: { loadDataDir?: Blob } = {},
): Promise<SourceDatabase> {
  const parsers = { [OID.int8]: toNumber, [OID.numeric]: toNumber, [OID.date]: asIs };
  // Two processes on one PGlite folder destroy it: one holder at a time, never opened otherwise.
  const lock = dataDir
    ? acquireLock(dataDir, `The embedded database ${dataDir}`, EMBEDDED_ADVICE)
    : undefined;
  let pglite: PGlite;
  try {
    pglite = await PGlite.create({
      dataDir,
      parsers,
      extensions: { pg_trgm },
      loadDataDir: options.loadDataDir,
    });
  } catch (error) {
    lock?.release();
    throw new DatabaseError(
      `Cannot open the embedded database at ${dataDir ?? 'memory'}: ${errorMessage(error)}`,
    );
  }
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool: pglitePool(pglite) }) });
  return {
    kind: 'pglite',
    db,
    pglite,
    location: dataDir ?? 'memory',
    async close() {
      await db.destroy();
      await pglite.close();
      lock?.release();
    },
  };
}

const POSTGRES_ADVICE = 'start PostgreSQL there or fix DATABASE_URL (unset = the embedded database)';

export const EMBEDDED_ADVICE =
  'stop it first (or ask it: `gourmand run` hands its date to a running `gourmand serve`/`start`), or set DATABASE_URL to share a PostgreSQL server between processes';

/** Runs a multi-statement script (migrations, set-based loads) through a Kysely handle. */
export async function execScript(executor: Kysely<Schema>, script: string): Promise<void> {
  await sql.raw(script).execute(executor);
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.href;
  } catch {
    return '<invalid url>';
  }
}
