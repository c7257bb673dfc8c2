import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { connect } from 'nats';
import { ConfigError, errorMessage } from '../common/errors.ts';
import { pingRedis, withTimeout } from '../common/probes.ts';
import { InUseError } from '../common/process-lock.ts';
import { redactSecrets } from '../common/redact.ts';
import { loadSettings, type Settings } from '../config/settings.ts';
import { openObjectStore } from '../lake/store.ts';
import { openPglite, openPostgres, type SourceDatabase } from '../oltp/database.ts';
import { migrationStatus } from '../oltp/migrate.ts';
import { openWarehouse } from '../warehouse/adapter.ts';

/** ok: fine; warn: works, but look at it (never fails the command); fail: fix it; skip: not configured. */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  check: string;
  status: CheckStatus;
  /** What was found, one sentence. */
  detail: string;
  /** What to do about it, when there is anything to do. */
  advice?: string;
}

const result = (check: string, status: CheckStatus, detail: string, advice?: string): CheckResult => ({
  check,
  status,
  detail,
  ...(advice ? { advice } : {}),
});

const MIN_NODE = [20, 19] as const;

function checkNode(): CheckResult {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  const enough = major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1]);
  return enough
    ? result('node', 'ok', `Node ${process.versions.node}`)
    : result(
        'node',
        'fail',
        `Node ${process.versions.node} is too old`,
        `install Node ${MIN_NODE.join('.')} or newer (package.json engines)`,
      );
}

/**
 * Whether a folder can be written, by writing: permission bits say nothing for root, a read-only
 * mount or a path under a regular file (ENOTDIR). Creates the folder when it is missing.
 */
function writeProbe(dir: string): string | undefined {
  const probe = path.join(dir, `.doctor-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(probe, 'probe');
    return undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? errorMessage(error);
  } finally {
    try {
      rmSync(probe, { force: true });
    } catch {}
  }
}

function checkStateDir(settings: Settings): CheckResult {
  const failure = writeProbe(settings.stateDir);
  return failure
    ? result(
        'state',
        'fail',
        `State folder ${settings.stateDir} is not writable (${failure})`,
        'point GOURMAND_STATE_DIR at a folder this user can write, or fix its permissions',
      )
    : result('state', 'ok', `State folder ${settings.stateDir} is writable`);
}

async function migrationsLine(database: SourceDatabase, label: string): Promise<CheckResult> {
  const pending = (await migrationStatus(database)).filter((m) => m.state === 'pending');
  return pending.length === 0
    ? result('database', 'ok', `${label}: reachable, migrations up to date`)
    : result(
        'database',
        'warn',
        `${label}: ${pending.length} migration(s) pending (${pending.map((m) => m.version).join(', ')})`,
        'run `gourmand db migrate` (run, serve and start also migrate first)',
      );
}

async function checkDatabase(settings: Settings, timeoutMs: number): Promise<CheckResult> {
  if (settings.databaseUrl) {
    let database: SourceDatabase;
    try {
      database = await openPostgres(settings.databaseUrl, 1, { connectTimeoutMs: timeoutMs });
    } catch (error) {
      return result('database', 'fail', errorMessage(error));
    }
    try {
      return await withTimeout(
        migrationsLine(database, `PostgreSQL ${database.location}`),
        timeoutMs,
        'PostgreSQL',
      );
    } finally {
      await database.close();
    }
  }
  const dir = path.resolve(settings.stateDir, 'pglite');
  if (!existsSync(dir)) {
    return result('database', 'ok', `Embedded database ${dir}: not created yet (the first run creates it)`);
  }
  let database: SourceDatabase;
  try {
    database = await openPglite(dir);
  } catch (error) {
    // Held by a serve/start/run: normal while it runs, but other commands on it are refused.
    if (error instanceof InUseError) return result('database', 'warn', error.message);
    return result('database', 'fail', errorMessage(error), `move ${dir} aside and run again to start afresh`);
  }
  try {
    return await migrationsLine(database, `Embedded database ${dir}`);
  } finally {
    await database.close();
  }
}

async function checkRedis(settings: Settings, timeoutMs: number): Promise<CheckResult> {
  if (!settings.redisUrl) {
    return result('redis', 'skip', 'REDIS_URL unset: in-process API cache; `gourmand worker` needs it');
  }
  try {
    await pingRedis(settings.redisUrl, timeoutMs);
    return result('redis', 'ok', `Redis ${redactSecrets(settings.redisUrl)} answers`);
  } catch (error) {
    return result('redis', 'fail', errorMessage(error));
  }
}

async function checkLake(settings: Settings, timeoutMs: number): Promise<CheckResult> {
  const url = new URL(settings.lakeUrl);
  if (url.protocol === 'file:') {
    const dir = fileURLToPath(url);
    const failure = writeProbe(dir);
    return failure
      ? result(
          'lake',
          'fail',
          `Lake folder ${dir} is not writable (${failure})`,
          'fix LAKE_URL or the folder permissions',
        )
      : result('lake', 'ok', `Lake folder ${dir} is writable`);
  }
  try {
    // One try, short timeouts: a missing key answers quickly when the bucket and credentials are right.
    const store = openObjectStore(settings, {
      maxAttempts: 1,
      requestHandler: { connectionTimeout: timeoutMs, requestTimeout: timeoutMs },
    });
    await withTimeout(store.getText('_doctor/probe'), timeoutMs, 'S3');
    return result('lake', 'ok', `S3 lake ${store.url} answers`);
  } catch (error) {
    return result(
      'lake',
      'fail',
      `S3 lake ${settings.lakeUrl} does not answer (${errorMessage(error)})`,
      'check the bucket, S3_ENDPOINT, S3_REGION and the AWS credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY or a profile)',
    );
  }
}

async function checkWarehouse(settings: Settings, timeoutMs: number): Promise<CheckResult> {
  const url = new URL(settings.warehouseUrl);
  if (url.protocol === 'duckdb:') {
    const file = decodeURIComponent(`${url.host}${url.pathname}`);
    if (file !== '/:memory:' && !existsSync(file)) {
      return result(
        'warehouse',
        'ok',
        `DuckDB warehouse ${file}: not created yet (the first run creates it)`,
      );
    }
  }
  try {
    const adapter = await withTimeout(openWarehouse(settings), timeoutMs, 'The warehouse');
    await adapter.close();
    return adapter.kind === 'bigquery'
      ? result(
          'warehouse',
          'ok',
          `BigQuery warehouse ${settings.warehouseUrl} configured (not contacted: queries cost money)`,
          'credentials come from Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS or gcloud)',
        )
      : result('warehouse', 'ok', `DuckDB warehouse ${adapter.location} opens`);
  } catch (error) {
    if (error instanceof InUseError) return result('warehouse', 'warn', error.message);
    if (error instanceof ConfigError) return result('warehouse', 'fail', error.message);
    return result(
      'warehouse',
      'fail',
      errorMessage(error),
      'fix WAREHOUSE_URL, or move a damaged DuckDB file aside (`gourmand warehouse build` rebuilds it from the lake)',
    );
  }
}

async function checkNats(settings: Settings, timeoutMs: number): Promise<CheckResult> {
  if (!settings.cdcNatsUrl) return result('nats', 'skip', 'CDC_NATS_URL unset: CDC writes change files only');
  try {
    const nc = await connect({ servers: settings.cdcNatsUrl, timeout: timeoutMs, reconnect: false });
    try {
      // JetStream must be on: the CDC stream is a JetStream stream.
      await withTimeout(
        nc.jetstreamManager().then((jsm) => jsm.getAccountInfo()),
        timeoutMs,
        'JetStream',
      );
    } finally {
      await nc.close();
    }
    return result('nats', 'ok', `NATS ${settings.cdcNatsUrl} answers, JetStream on`);
  } catch (error) {
    return result(
      'nats',
      'fail',
      `NATS ${settings.cdcNatsUrl} (CDC_NATS_URL) does not answer with JetStream (${errorMessage(error)})`,
      'start nats-server with -js there, fix CDC_NATS_URL, or unset it',
    );
  }
}

/** Settings that are fine on a laptop and risky on a server. */
function checkSecurity(settings: Settings): CheckResult[] {
  const checks: CheckResult[] = [];
  if (settings.jwtSecret) checks.push(result('jwt', 'ok', 'JWT_SECRET is set'));
  else if (settings.devMode) {
    checks.push(
      result(
        'jwt',
        'warn',
        'JWT_SECRET unset (dev mode): tokens die with each API process',
        'set JWT_SECRET in production',
      ),
    );
  } else if (settings.databaseUrl) {
    checks.push(
      result(
        'jwt',
        'fail',
        'JWT_SECRET unset with DATABASE_URL: `gourmand serve` refuses to start',
        'set JWT_SECRET to 32+ characters (e.g. `openssl rand -base64 48`)',
      ),
    );
  } else {
    checks.push(
      result(
        'jwt',
        'warn',
        `JWT_SECRET unset: the API signs with a generated secret kept in ${path.join(settings.stateDir, 'jwt-secret')}`,
        'set JWT_SECRET in production',
      ),
    );
  }
  checks.push(
    settings.devMode
      ? result(
          'dev',
          'warn',
          'GOURMAND_DEV=true: the API hands out e-mail verification tokens in responses',
          'unset GOURMAND_DEV in production',
        )
      : result('dev', 'ok', 'development mode off'),
  );
  checks.push(
    settings.metricsToken
      ? result('metrics', 'ok', '/metrics requires METRICS_TOKEN')
      : result('metrics', 'warn', '/metrics is public', 'set METRICS_TOKEN (16+ characters) in production'),
  );
  return checks;
}

const LOOPBACK = /^https?:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:|\/|$)/;

function checkSources(settings: Settings): CheckResult {
  const real = [
    settings.yelpApiKey ? `Yelp ${settings.yelpBaseUrl}` : undefined,
    settings.censusApiKey ? `Census ${settings.censusBaseUrl}` : undefined,
  ].filter(Boolean);
  if (real.length === 0) {
    return result(
      'sources',
      'ok',
      `No API keys: the built-in simulator serves ${settings.simBusinesses} businesses (seed ${settings.simSeed})`,
      'set YELP_API_KEY and CENSUS_API_KEY for the real APIs',
    );
  }
  const limited = `${real.join(', ')} at ${settings.sourceRatePerSecond} requests/s`;
  // A `gourmand sim serve` on loopback behind API keys gets the real APIs' rate limit: slow for nothing.
  if (LOOPBACK.test(settings.yelpBaseUrl) && settings.yelpApiKey && settings.sourceRatePerSecond < 1000) {
    return result(
      'sources',
      'warn',
      `${limited}: a local simulator throttled like the real API`,
      'export SOURCE_RATE_PER_SECOND=1000 (what `gourmand sim serve` prints) unless you mean to mimic the real limits',
    );
  }
  return result(
    'sources',
    real.length === 2 ? 'ok' : 'warn',
    real.length === 2 ? limited : `${limited}; the other source is simulated`,
    real.length === 2 ? undefined : 'set both YELP_API_KEY and CENSUS_API_KEY, or neither',
  );
}

/** Every check, in order; settings that do not load are the only check then. */
export async function runChecks(timeoutMs: number): Promise<CheckResult[]> {
  let settings: Settings;
  try {
    settings = loadSettings();
  } catch (error) {
    return [
      checkNode(),
      result('settings', 'fail', errorMessage(error), 'fix that setting (see `gourmand config`)'),
    ];
  }
  const state = checkStateDir(settings);
  // Independent probes at once: the slowest one bounds the wait.
  const backends = await Promise.all([
    checkDatabase(settings, timeoutMs),
    checkRedis(settings, timeoutMs),
    checkLake(settings, timeoutMs),
    checkWarehouse(settings, timeoutMs),
    checkNats(settings, timeoutMs),
  ]);
  return [
    checkNode(),
    result('settings', 'ok', 'settings load'),
    state,
    ...backends,
    ...checkSecurity(settings),
    checkSources(settings),
  ];
}

const LABEL: Record<CheckStatus, string> = { ok: 'ok', warn: 'WARN', fail: 'FAIL', skip: '-' };

export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description(
      'Check the setup (Node, state folder, backends, migrations, risky settings) and say what to do',
    )
    .option('--json', 'print JSON')
    .option('--timeout-ms <ms>', 'how long each backend may take to answer', '3000')
    .action(async (options: { json?: boolean; timeoutMs: string }) => {
      const timeoutMs = Number(options.timeoutMs);
      if (!Number.isInteger(timeoutMs) || timeoutMs < 1) {
        throw new ConfigError(
          `Invalid --timeout-ms "${options.timeoutMs}": expected a positive whole number`,
        );
      }
      const checks = await runChecks(timeoutMs);
      const ok = !checks.some((c) => c.status === 'fail');
      if (options.json) console.log(JSON.stringify({ ok, checks }, null, 2));
      else {
        const width = Math.max(...checks.map((c) => c.check.length));
        for (const c of checks) {
          console.log(
            redactSecrets(
              `${LABEL[c.status].padEnd(4)}  ${c.check.padEnd(width)}  ${c.detail}${c.advice ? ` — ${c.advice}` : ''}`,
            ),
          );
        }
        const counts = (s: CheckStatus) => checks.filter((c) => c.status === s).length;
        console.log(
          ok
            ? `No failures (${counts('warn')} warning(s)).`
            : `${counts('fail')} failure(s): fix them and run \`gourmand doctor\` again.`,
        );
      }
      process.exitCode = ok ? 0 : 1;
    });
}
