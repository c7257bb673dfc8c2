import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { ConfigError } from '../common/errors.ts';
import { redactSecrets, registerSecret } from '../common/redact.ts';

/**
 * Every setting Gourmand reads, in one table: its environment variable, the key in
 * `gourmand.config.json`, how it is validated and what it defaults to. Precedence:
 * environment > config file > default. Nothing else in the code reads `process.env`.
 */
interface SettingDef<T> {
  env: string;
  description: string;
  /** What a valid value looks like, for the one-line error. */
  expected: string;
  schema: z.ZodType<T>;
  /** A default, possibly derived from the settings resolved before it (in table order). */
  default?: T | ((resolved: Record<string, unknown>) => T);
}

function def<T>(d: SettingDef<T>): SettingDef<T> {
  return d;
}

// Decimal digits only: Number() would also take "0x10", "1e3", " 7 " or "" (= 0).
const wholeNumber = z.union([
  z.number(),
  z
    .string()
    .regex(/^-?\d{1,16}$/)
    .transform(Number),
]);
const intBetween = (min: number, max: number) => wholeNumber.pipe(z.number().int().min(min).max(max));
const positiveInt = (max: number) => intBetween(1, max);
const nonNegativeInt = (max: number) => intBetween(0, max);
const urlWithProtocols = (...protocols: string[]) =>
  z.string().refine((value) => {
    try {
      return protocols.includes(new URL(value).protocol);
    } catch {
      return false;
    }
  });
const httpUrl = urlWithProtocols('http:', 'https:');
const bool = z.union([
  z.boolean(),
  z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1'),
]);

export const settingDefs = {
  stateDir: def({
    env: 'GOURMAND_STATE_DIR',
    description: 'Folder for embedded data (PGlite database, lake, DuckDB file, raw responses)',
    expected: 'a folder path',
    schema: z.string().min(1),
    default: '.gourmand',
  }),
  logLevel: def({
    env: 'LOG_LEVEL',
    description: 'Log level',
    expected: 'one of fatal, error, warn, info, debug, trace, silent',
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    default: 'info',
  }),
  databaseUrl: def({
    env: 'DATABASE_URL',
    description: 'PostgreSQL server for the source database; unset = embedded PGlite in the state folder',
    expected: 'a postgres:// or postgresql:// URL, e.g. postgres://postgres@127.0.0.1:5432/gourmand',
    schema: urlWithProtocols('postgres:', 'postgresql:').optional(),
  }),
  databaseConnectTimeoutMs: def({
    env: 'DATABASE_CONNECT_TIMEOUT_MS',
    description: 'How long opening a PostgreSQL connection (TCP and handshake) may take',
    expected: 'a whole number of milliseconds from 1 to 600000',
    schema: positiveInt(600_000),
    default: 5000,
  }),
  databaseQueryTimeoutMs: def({
    env: 'DATABASE_QUERY_TIMEOUT_MS',
    description:
      'Longest wait for a PostgreSQL answer in the pipeline and commands, client side (a hung server); 0 = none',
    expected: 'a whole number of milliseconds from 0 to 86400000',
    schema: nonNegativeInt(86_400_000),
    default: 1_800_000,
  }),
  databaseStatementTimeoutMs: def({
    env: 'DATABASE_STATEMENT_TIMEOUT_MS',
    description: 'Statement timeout for API queries on the source database (0 = none)',
    expected: 'a whole number of milliseconds from 0 to 3600000',
    schema: nonNegativeInt(3_600_000),
    default: 10_000,
  }),
  redisUrl: def({
    env: 'REDIS_URL',
    description: 'Redis for the API cache, rate limits and BullMQ workers; unset = in-process cache',
    expected: 'a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379/0',
    schema: urlWithProtocols('redis:', 'rediss:').optional(),
  }),
  lakeUrl: def({
    env: 'LAKE_URL',
    description: 'Parquet data lake: file://folder or s3://bucket/prefix',
    expected: 'a file:// or s3:// URL',
    schema: urlWithProtocols('file:', 's3:'),
    default: (r) => pathToFileURL(path.resolve(String(r.stateDir), 'lake')).href,
  }),
  s3Endpoint: def({
    env: 'S3_ENDPOINT',
    description: 'Endpoint of an S3-compatible store (path-style addressing is used when set)',
    expected: 'an http:// or https:// URL',
    schema: httpUrl.optional(),
  }),
  s3Region: def({
    env: 'S3_REGION',
    description: 'S3 region',
    expected: 'a region name such as us-east-1',
    schema: z.string().min(1),
    default: 'us-east-1',
  }),
  warehouseUrl: def({
    env: 'WAREHOUSE_URL',
    description: 'Warehouse: duckdb://path/to/file.duckdb (or bigquery://project/dataset)',
    expected: 'a duckdb:// or bigquery:// URL',
    schema: urlWithProtocols('duckdb:', 'bigquery:'),
    default: (r) => `duckdb://${path.resolve(String(r.stateDir), 'warehouse.duckdb')}`,
  }),
  bigqueryMaxBytesBilled: def({
    env: 'BIGQUERY_MAX_BYTES_BILLED',
    description:
      'BigQuery cost guard: a statement whose dry run would process more bytes is refused (also sent as maximumBytesBilled)',
    expected: 'a whole number of bytes from 1',
    schema: positiveInt(Number.MAX_SAFE_INTEGER),
    default: 10 * 1024 ** 3,
  }),
  bigqueryLocation: def({
    env: 'BIGQUERY_LOCATION',
    description: 'BigQuery location of the warehouse datasets',
    expected: 'a location such as US, EU or europe-west1',
    schema: z.string().min(1),
    default: 'US',
  }),
  cdcSlot: def({
    env: 'CDC_SLOT',
    description: 'Logical replication slot `gourmand cdc stream` creates and reads (pgoutput)',
    expected: 'a slot name: lower-case letters, digits and _',
    schema: z.string().regex(/^[a-z0-9_]{1,63}$/),
    default: 'gourmand_cdc',
  }),
  cdcPublication: def({
    env: 'CDC_PUBLICATION',
    description: 'Publication of the lake tables that the CDC slot streams',
    expected: 'a publication name: lower-case letters, digits and _',
    schema: z.string().regex(/^[a-z0-9_]{1,63}$/),
    default: 'gourmand_cdc',
  }),
  cdcNatsUrl: def({
    env: 'CDC_NATS_URL',
    description: 'NATS server with JetStream the CDC stream also publishes to; unset = change files only',
    expected: 'a nats:// URL, e.g. nats://127.0.0.1:4222',
    schema: urlWithProtocols('nats:', 'tls:').optional(),
  }),
  cdcNatsStream: def({
    env: 'CDC_NATS_STREAM',
    description:
      'JetStream stream of the CDC changes; subjects are its name lower-cased, _ as dots, plus the table',
    expected: 'a stream name: upper-case letters, digits and _',
    schema: z.string().regex(/^[A-Z0-9_]{1,64}$/),
    default: 'GOURMAND_CDC',
  }),
  cdcBatchEvents: def({
    env: 'CDC_BATCH_EVENTS',
    description: 'CDC: changes written per change file batch at most (a quiet stream flushes sooner)',
    expected: 'a whole number from 1 to 1000000',
    schema: positiveInt(1_000_000),
    default: 5000,
  }),
  yelpApiKey: def({
    env: 'YELP_API_KEY',
    description: 'Yelp Fusion API key; unset = the built-in simulator',
    expected: 'a non-empty API key',
    schema: z.string().min(1).optional(),
  }),
  yelpBaseUrl: def({
    env: 'YELP_BASE_URL',
    description: 'Yelp Fusion base URL',
    expected: 'an http(s) URL',
    schema: httpUrl,
    default: 'https://api.yelp.com',
  }),
  censusApiKey: def({
    env: 'CENSUS_API_KEY',
    description: 'Census Data API key; unset = the built-in simulator',
    expected: 'a non-empty API key',
    schema: z.string().min(1).optional(),
  }),
  censusBaseUrl: def({
    env: 'CENSUS_BASE_URL',
    description: 'Census Data API base URL',
    expected: 'an http(s) URL',
    schema: httpUrl,
    default: 'https://api.census.gov',
  }),
  censusDataset: def<'2019/pep/population' | 'acs/acs5'>({
    env: 'CENSUS_DATASET',
    description:
      'County population source: 2019/pep/population (estimates 2010-2019 by DATE_CODE) or acs/acs5 (ACS 5-year B01003_001E, one request per year from 2020)',
    expected: 'one of 2019/pep/population, acs/acs5',
    schema: z.enum(['2019/pep/population', 'acs/acs5']),
    default: '2019/pep/population',
  }),
  statesPageUrl: def({
    env: 'STATES_PAGE_URL',
    description: 'Page listing US states and their USPS abbreviations',
    expected: 'an http(s) URL',
    schema: httpUrl,
    default: 'https://www.50states.com/abbreviations.htm',
  }),
  simBusinesses: def({
    env: 'SIM_BUSINESSES',
    description: 'Simulator scale: number of businesses',
    expected: 'a whole number from 1 to 10000000',
    schema: positiveInt(10_000_000),
    default: 3000,
  }),
  simSeed: def({
    env: 'SIM_SEED',
    description: 'Simulator seed (same seed, same data)',
    expected: 'a whole number from 0 to 2147483647',
    schema: nonNegativeInt(2_147_483_647),
    default: 42,
  }),
  simCensusStates: def<string[] | undefined>({
    env: 'SIM_CENSUS_STATES',
    description:
      'Simulator: Census serves the counties of these states only (USPS codes, comma-separated), so a run searches a few hundred counties instead of ~3,200: quick demos and tests. Unset: every state',
    expected: 'USPS codes separated by commas, e.g. DE,RI,DC',
    schema: z
      .string()
      .transform((text) => text.split(',').map((code) => code.trim().toUpperCase()))
      .pipe(z.array(z.string().regex(/^[A-Z]{2}$/)).min(1))
      .optional(),
  }),
  simStatesPage: def<'full' | 'states-only'>({
    env: 'SIM_STATES_PAGE',
    description:
      'States page the simulator serves: full (50 states, then DC, Puerto Rico and the territories) or states-only (the 50 states, as the real page may be)',
    expected: 'one of full, states-only',
    schema: z.enum(['full', 'states-only']),
    default: 'full',
  }),
  extractConcurrency: def({
    env: 'EXTRACT_CONCURRENCY',
    description: 'Concurrent requests per source',
    expected: 'a whole number from 1 to 64',
    schema: positiveInt(64),
    default: 4,
  }),
  extractMode: def({
    env: 'EXTRACT_MODE',
    description:
      'Yelp pull: full (businesses, categories, reviews, events), daily (businesses + reviews/events of new ones), test (stops at 300 calls), auto (full while the database has no business, else daily)',
    expected: 'one of auto, full, daily, test',
    schema: z.enum(['auto', 'full', 'daily', 'test']),
    default: 'auto',
  }),
  sourceRatePerSecond: def({
    env: 'SOURCE_RATE_PER_SECOND',
    description: 'Requests per second to each real source API (Yelp allows 5); the simulator is not limited',
    expected: 'a whole number from 1 to 1000',
    schema: positiveInt(1000),
    default: 5,
  }),
  sourceTimeoutMs: def({
    env: 'SOURCE_TIMEOUT_MS',
    description: 'Timeout of one source request',
    expected: 'a whole number of milliseconds from 1 to 600000',
    schema: positiveInt(600_000),
    default: 15_000,
  }),
  sourceAttempts: def({
    env: 'SOURCE_ATTEMPTS',
    description: 'Tries per source request on 429, 5xx, timeouts and network errors',
    expected: 'a whole number from 1 to 30',
    schema: positiveInt(30),
    default: 10,
  }),
  sourceBackoffMs: def({
    env: 'SOURCE_BACKOFF_MS',
    description: 'First retry delay of a source request; doubles each try, with jitter',
    expected: 'a whole number of milliseconds from 0 to 60000',
    schema: nonNegativeInt(60_000),
    default: 500,
  }),
  sourceServesHistory: def({
    env: 'SOURCE_SERVES_HISTORY',
    description:
      'The APIs at the configured URLs answer for past dates (a `gourmand sim serve` does; the real ones only tell today)',
    expected: 'true or false',
    schema: bool,
    default: false,
  }),
  yelpSearchDepth: def({
    env: 'YELP_SEARCH_DEPTH',
    description: 'Most results Yelp search returns per query (limit + offset): 240 today, 1000 before ~2021',
    expected: '240 or 1000',
    schema: wholeNumber.pipe(z.union([z.literal(240), z.literal(1000)])),
    default: 240,
  }),
  taskAttempts: def({
    env: 'TASK_ATTEMPTS',
    description: 'Attempts per pipeline task before it fails',
    expected: 'a whole number from 1 to 20',
    schema: positiveInt(20),
    default: 3,
  }),
  taskBackoffMs: def({
    env: 'TASK_BACKOFF_MS',
    description: 'First retry delay of a failed task; doubles each attempt',
    expected: 'a whole number of milliseconds from 0 to 3600000',
    schema: nonNegativeInt(3_600_000),
    default: 2000,
  }),
  taskConcurrency: def({
    env: 'TASK_CONCURRENCY',
    description: 'Independent pipeline tasks run at once (in-process runner)',
    expected: 'a whole number from 1 to 32',
    schema: positiveInt(32),
    default: 2,
  }),
  port: def({
    env: 'PORT',
    description: 'Port of the API server and dashboard',
    expected: 'a port number from 0 to 65535',
    schema: nonNegativeInt(65_535),
    default: 3000,
  }),
  jwtSecret: def({
    env: 'JWT_SECRET',
    description:
      'Secret for signing API tokens; required with DATABASE_URL unless GOURMAND_DEV=true; unset on the embedded database = a generated one kept in <state>/jwt-secret',
    expected: 'at least 32 characters',
    schema: z.string().min(32).optional(),
  }),
  devMode: def({
    env: 'GOURMAND_DEV',
    description:
      'Development mode: the API returns e-mail verification tokens in responses (without SMTP_URL) and runs without JWT_SECRET',
    expected: 'true or false',
    schema: bool,
    default: false,
  }),
  apiCacheTtlSeconds: def({
    env: 'API_CACHE_TTL_SECONDS',
    description: 'How long the API caches a GET response (0 = no caching)',
    expected: 'a whole number of seconds from 0 to 86400',
    schema: nonNegativeInt(86_400),
    default: 300,
  }),
  apiCacheNearMb: def({
    env: 'API_CACHE_NEAR_MB',
    description:
      'With Redis: MiB of cached responses each API process keeps in memory, kept fresh by Redis client tracking (0 = every hit asks Redis)',
    expected: 'a whole number of MiB from 0 to 4096',
    schema: nonNegativeInt(4096),
    default: 64,
  }),
  apiRateLimitPerMinute: def({
    env: 'API_RATE_LIMIT',
    description: 'API requests per minute per client (IP, or token when one is sent); 0 = no limit',
    expected: 'a whole number from 0 to 10000000',
    schema: nonNegativeInt(10_000_000),
    default: 600,
  }),
  apiLoginRateLimitPerMinute: def({
    env: 'API_LOGIN_RATE_LIMIT',
    description:
      'Login, register, refresh, verify and password-reset attempts per minute, per IP and per account; 0 = no limit',
    expected: 'a whole number from 0 to 100000',
    schema: nonNegativeInt(100_000),
    default: 10,
  }),
  apiRefreshMaxDays: def({
    env: 'API_REFRESH_MAX_DAYS',
    description: 'Absolute lifetime of a login (refresh-token family): after it, sign in again',
    expected: 'a whole number of days from 1 to 3650',
    schema: positiveInt(3650),
    default: 90,
  }),
  metricsToken: def({
    env: 'METRICS_TOKEN',
    description: 'Bearer token GET /metrics requires; unset = /metrics is public',
    expected: 'at least 16 characters',
    schema: z.string().min(16).optional(),
  }),
  smtpUrl: def({
    env: 'SMTP_URL',
    description:
      'SMTP server for verification and password-reset mails (smtp:// upgrades with STARTTLS when offered, smtps:// is TLS); unset = no mail',
    expected: 'an smtp:// or smtps:// URL, e.g. smtp://user:pass@mail.example.com:587',
    schema: urlWithProtocols('smtp:', 'smtps:').optional(),
  }),
  mailFrom: def({
    env: 'MAIL_FROM',
    description: 'Sender of the mails',
    expected: 'an address such as "Gourmand <no-reply@example.com>"',
    schema: z.string().min(3).max(320).regex(/@/),
    default: 'Gourmand <no-reply@localhost>',
  }),
  apiPublicUrl: def({
    env: 'API_PUBLIC_URL',
    description: 'Public base URL of the API, for the links in mails',
    expected: 'an http(s) URL',
    schema: httpUrl,
    default: (r) => `http://127.0.0.1:${String(r.port)}`,
  }),
  apiBodyLimitBytes: def({
    env: 'API_BODY_LIMIT',
    description: 'Largest request body the API accepts, in bytes',
    expected: 'a whole number from 1024 to 10485760',
    schema: intBetween(1024, 10_485_760),
    default: 65_536,
  }),
  apiCorsOrigins: def({
    env: 'API_CORS_ORIGINS',
    description: 'Comma-separated origins allowed to call the API from a browser; unset = CORS off',
    expected: 'a comma-separated list of http(s) origins',
    schema: z
      .string()
      .regex(/^https?:\/\/[^,\s]+(,\s*https?:\/\/[^,\s]+)*$/)
      .optional(),
  }),
  alertWebhookUrl: def({
    env: 'ALERT_WEBHOOK_URL',
    description: 'Slack-compatible webhook for alerts; unset = no alerts',
    expected: 'an http(s) URL',
    schema: httpUrl.optional(),
  }),
  dashboardUrl: def({
    env: 'DASHBOARD_URL',
    description: 'Public URL of the dashboard, linked from alerts',
    expected: 'an http(s) URL',
    schema: httpUrl.optional(),
  }),
  scheduleCron: def({
    env: 'SCHEDULE_CRON',
    description: 'When `gourmand schedule` starts the daily run (cron expression)',
    expected: 'a 5-field cron expression such as "30 12 * * *"',
    schema: z.string().regex(/^\S+(\s+\S+){4,5}$/),
    default: '30 12 * * *',
  }),
  scheduleTimezone: def({
    env: 'SCHEDULE_TZ',
    description: 'Time zone of the schedule',
    expected: 'an IANA time zone such as UTC or America/New_York',
    schema: z.string().refine((tz) => {
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }),
    default: 'UTC',
  }),
  scheduleCatchupDays: def({
    env: 'SCHEDULE_CATCHUP_DAYS',
    description: 'Most missed dates the scheduler catches up',
    expected: 'a whole number from 0 to 366',
    schema: nonNegativeInt(366),
    default: 7,
  }),
  alertAttempts: def({
    env: 'ALERT_ATTEMPTS',
    description: 'Delivery attempts per alert before it is logged as failed',
    expected: 'a whole number from 1 to 20',
    schema: positiveInt(20),
    default: 4,
  }),
  alertBackoffMs: def({
    env: 'ALERT_BACKOFF_MS',
    description: 'First retry delay of a failed alert delivery; doubles each attempt',
    expected: 'a whole number of milliseconds from 0 to 600000',
    schema: nonNegativeInt(600_000),
    default: 1000,
  }),
  queuePrefix: def({
    env: 'QUEUE_PREFIX',
    description: 'Redis key prefix of the BullMQ task queues (separates pipelines sharing a Redis)',
    expected: 'letters, digits, "-", "_" or ":"',
    schema: z.string().regex(/^[\w:-]+$/),
    default: 'gourmand',
  }),
  logRetentionDays: def({
    env: 'LOG_RETENTION_DAYS',
    description: 'Days a run log file (logs/<date>/run-<id>.jsonl in the state folder) is kept',
    expected: 'a whole number of days, 1 to 3650',
    schema: positiveInt(3650),
    default: 14,
  }),
  logShipUrl: def({
    env: 'LOG_SHIP_URL',
    description:
      'Elasticsearch (or OpenSearch) node that every log record is also shipped to, by its bulk API; unset = none',
    expected: 'an http:// or https:// URL, e.g. http://127.0.0.1:9200',
    schema: httpUrl.optional(),
  }),
  logShipTimeoutMs: def({
    env: 'LOG_SHIP_TIMEOUT_MS',
    description: 'How long one bulk request to LOG_SHIP_URL, and the last flush at exit, may take',
    expected: 'milliseconds, 100 to 600000',
    schema: intBetween(100, 600_000),
    default: 5000,
  }),
} as const;

type Defs = typeof settingDefs;
export type SettingKey = keyof Defs;
export type Settings = { readonly [K in SettingKey]: Defs[K] extends SettingDef<infer T> ? T : never };

export const CONFIG_FILE_NAME = 'gourmand.config.json';

export interface LoadOptions {
  env?: Record<string, string | undefined>;
  /** Folder holding gourmand.config.json (default: the working directory). */
  cwd?: string;
  /** Values that win over everything (CLI flags). */
  overrides?: Partial<Record<SettingKey, unknown>>;
}

function readConfigFile(env: Record<string, string | undefined>, cwd: string) {
  const explicit = env.GOURMAND_CONFIG;
  const file = path.resolve(cwd, explicit ?? CONFIG_FILE_NAME);
  if (!existsSync(file)) {
    if (explicit) throw new ConfigError(`Invalid setting GOURMAND_CONFIG="${explicit}": file not found`);
    return { file, values: {} as Record<string, unknown> };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`Invalid config file ${file}: not valid JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`Invalid config file ${file}: expected a JSON object of settings`);
  }
  for (const key of Object.keys(parsed)) {
    if (!(key in settingDefs)) {
      throw new ConfigError(
        `Invalid config file ${file}: unknown setting "${key}" (known: ${Object.keys(settingDefs).join(', ')})`,
      );
    }
  }
  return { file, values: parsed as Record<string, unknown> };
}

/** Resolves and validates every setting; the first bad one throws a one-line ConfigError. */
export function loadSettings(options: LoadOptions = {}): Settings {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const config = readConfigFile(env, cwd);
  const resolved: Record<string, unknown> = {};
  for (const [key, d] of Object.entries(settingDefs) as [SettingKey, SettingDef<unknown>][]) {
    let raw: unknown;
    let origin: string;
    const override = options.overrides?.[key];
    const envValue = env[d.env];
    if (override !== undefined) {
      raw = override;
      origin = `--${key}`;
    } else if (envValue !== undefined && envValue !== '') {
      raw = envValue;
      origin = d.env;
    } else if (config.values[key] !== undefined) {
      raw = config.values[key];
      origin = `${path.basename(config.file)}: ${key}`;
    } else {
      resolved[key] = typeof d.default === 'function' ? d.default(resolved) : d.default;
      continue;
    }
    const result = d.schema.safeParse(raw);
    if (!result.success) {
      const shown = SECRET_KEYS.has(key) ? '"***"' : redactSecrets(JSON.stringify(raw));
      throw new ConfigError(`Invalid setting ${origin}=${shown}: expected ${d.expected}`);
    }
    resolved[key] = result.data;
  }
  for (const key of SECRET_KEYS) registerSecret(resolved[key] as string | undefined);
  for (const key of URL_KEYS) {
    const value = resolved[key];
    if (typeof value === 'string') registerSecret(decodeURIComponent(new URL(value).password));
  }
  return Object.freeze(resolved) as Settings;
}

/** One row per setting, for `gourmand config` and the README table. */
export function describeSettings(settings?: Settings) {
  return (Object.entries(settingDefs) as [SettingKey, SettingDef<unknown>][]).map(([key, d]) => ({
    key,
    env: d.env,
    description: d.description,
    default: typeof d.default === 'function' ? '(derived)' : d.default,
    value: settings ? redact(key, settings[key]) : undefined,
  }));
}

const SECRET_KEYS: ReadonlySet<SettingKey> = new Set([
  'yelpApiKey',
  'censusApiKey',
  'jwtSecret',
  'metricsToken',
]);
const URL_KEYS: readonly SettingKey[] = ['databaseUrl', 'redisUrl', 'alertWebhookUrl', 'smtpUrl'];

function redact(key: SettingKey, value: unknown): unknown {
  if (value === undefined) return undefined;
  if (SECRET_KEYS.has(key)) return '***';
  return typeof value === 'string' ? redactSecrets(value) : value;
}
