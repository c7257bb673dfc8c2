import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/common/errors.ts';
import { loadSettings, settingDefs } from '../../src/config/settings.ts';

const emptyDir = () => mkdtempSync(path.join(tmpdir(), 'gourmand-config-'));

// One bad value per setting that can be malformed (stateDir is checked through the config file).
const badValues: Record<string, string> = {
  BIGQUERY_MAX_BYTES_BILLED: '0',
  CDC_SLOT: 'Bad-Slot',
  CDC_PUBLICATION: 'no spaces',
  CDC_NATS_URL: 'http://127.0.0.1:4222',
  CDC_BATCH_EVENTS: '0',
  CDC_NATS_STREAM: 'gourmand.cdc',
  LOG_LEVEL: 'loud',
  DATABASE_URL: 'foo',
  DATABASE_STATEMENT_TIMEOUT_MS: '-5',
  DATABASE_CONNECT_TIMEOUT_MS: '0',
  DATABASE_QUERY_TIMEOUT_MS: '1e3',
  API_REFRESH_MAX_DAYS: '0',
  METRICS_TOKEN: 'short',
  SMTP_URL: 'http://mail.example.com',
  MAIL_FROM: 'nobody',
  API_PUBLIC_URL: 'example.com',
  REDIS_URL: 'http://127.0.0.1:6379',
  LAKE_URL: 'ftp://x/y',
  S3_ENDPOINT: 'not a url',
  WAREHOUSE_URL: 'sqlite://x',
  YELP_BASE_URL: 'api.yelp.com',
  CENSUS_BASE_URL: 'ftp://census',
  STATES_PAGE_URL: '::',
  SIM_BUSINESSES: '0',
  SIM_SEED: '1.5',
  EXTRACT_CONCURRENCY: '1000',
  EXTRACT_MODE: 'weekly',
  CENSUS_DATASET: 'pep/2023',
  SIM_STATES_PAGE: 'none',
  SIM_CENSUS_STATES: 'California',
  SOURCE_RATE_PER_SECOND: '0',
  SOURCE_TIMEOUT_MS: '0',
  SOURCE_ATTEMPTS: '31',
  SOURCE_BACKOFF_MS: 'soon',
  YELP_SEARCH_DEPTH: '500',
  API_CACHE_TTL_SECONDS: '-1',
  API_CACHE_NEAR_MB: '4097',
  API_RATE_LIMIT: 'lots',
  API_LOGIN_RATE_LIMIT: '100001',
  API_BODY_LIMIT: '10',
  API_CORS_ORIGINS: 'example.com',
  ALERT_ATTEMPTS: '0',
  ALERT_BACKOFF_MS: '600001',
  QUEUE_PREFIX: 'gourmand queue',
  TASK_ATTEMPTS: 'three',
  TASK_BACKOFF_MS: '-1',
  TASK_CONCURRENCY: '0',
  PORT: '70000',
  JWT_SECRET: 'short',
  GOURMAND_DEV: 'maybe',
  SOURCE_SERVES_HISTORY: 'sometimes',
  ALERT_WEBHOOK_URL: 'mailto:ops@example.com',
  DASHBOARD_URL: 'dashboard',
  SCHEDULE_CRON: 'daily',
  SCHEDULE_TZ: 'Mars/Olympus',
  SCHEDULE_CATCHUP_DAYS: '1000',
  LOG_RETENTION_DAYS: '0',
  LOG_SHIP_URL: 'elastic:9200',
  LOG_SHIP_TIMEOUT_MS: '5',
};

// Secrets are never echoed, not even a malformed one.
const secretEnvs = new Set(['JWT_SECRET', 'METRICS_TOKEN']);

describe('settings', () => {
  it('has sensible defaults with nothing configured', () => {
    const cwd = emptyDir();
    const settings = loadSettings({ env: {}, cwd });
    expect(settings.stateDir).toBe('.gourmand');
    expect(settings.databaseUrl).toBeUndefined();
    expect(settings.lakeUrl).toBe(`file://${path.resolve('.gourmand', 'lake')}`);
    expect(settings.warehouseUrl).toBe(`duckdb://${path.resolve('.gourmand', 'warehouse.duckdb')}`);
    expect(settings.taskAttempts).toBe(3);
  });

  it('covers every setting with a bad-value case', () => {
    const envs = Object.values(settingDefs).map((d) => d.env);
    const untestable = [
      'GOURMAND_STATE_DIR',
      'YELP_API_KEY',
      'CENSUS_API_KEY',
      'S3_REGION',
      'BIGQUERY_LOCATION',
    ];
    expect(envs.filter((env) => !untestable.includes(env)).sort()).toEqual(Object.keys(badValues).sort());
  });

  it.each(Object.entries(badValues))('rejects %s=%s with one line naming it', (env, value) => {
    let error: unknown;
    try {
      loadSettings({ env: { [env]: value }, cwd: emptyDir() });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toMatch(
      new RegExp(
        `^Invalid setting ${env}=${secretEnvs.has(env) ? '"\\*\\*\\*"' : JSON.stringify(JSON.stringify(value)).slice(1, -1)}: expected .+`,
      ),
    );
    expect(message).not.toContain('\n');
    expect((error as ConfigError).exitCode).toBe(2);
  });

  it.each(['0x10', '1e3', ' 80', '80.0', '+80', '0b1', 'Infinity'])(
    'rejects PORT=%j: decimal digits only',
    (value) => {
      expect(() => loadSettings({ env: { PORT: value }, cwd: emptyDir() })).toThrow(
        /^Invalid setting PORT=.*: expected a port/,
      );
      expect(loadSettings({ env: { PORT: '0080' }, cwd: emptyDir() }).port).toBe(80);
    },
  );

  it('masks the password of a bad URL and never echoes a secret', () => {
    const message = (env: Record<string, string>) => {
      try {
        loadSettings({ env, cwd: emptyDir() });
      } catch (error) {
        return (error as Error).message;
      }
      return 'no error';
    };
    const bad = message({ DATABASE_URL: 'mysql://app:hunter2-secret@db.example.com:3306/shop' });
    expect(bad).toBe(
      'Invalid setting DATABASE_URL="mysql://app:***@db.example.com:3306/shop": expected a postgres:// or postgresql:// URL, e.g. postgres://postgres@127.0.0.1:5432/gourmand',
    );
    expect(message({ JWT_SECRET: 'too-short-secret' })).not.toContain('too-short-secret');
    expect(message({ SMTP_URL: 'ftp://mailer:p4ssw0rd@mail.example.com' })).toContain('mailer:***@');
  });

  it('documents every setting in the README', () => {
    const readme = readFileSync(path.resolve(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
    const undocumented = Object.values(settingDefs)
      .map((d) => d.env)
      .filter((env) => !readme.includes(`\`${env}\``));
    expect(undocumented).toEqual([]);
  });

  it('reads gourmand.config.json, and the environment wins over it', () => {
    const cwd = emptyDir();
    writeFileSync(path.join(cwd, 'gourmand.config.json'), JSON.stringify({ simBusinesses: 500, port: 8080 }));
    const settings = loadSettings({ env: { PORT: '9090' }, cwd });
    expect(settings.simBusinesses).toBe(500);
    expect(settings.port).toBe(9090);
  });

  it('names the config file key of a bad value there', () => {
    const cwd = emptyDir();
    writeFileSync(path.join(cwd, 'gourmand.config.json'), JSON.stringify({ stateDir: '' }));
    expect(() => loadSettings({ env: {}, cwd })).toThrow(
      /^Invalid setting gourmand\.config\.json: stateDir="": expected a folder path$/,
    );
  });

  it('rejects unknown keys and invalid JSON in the config file', () => {
    const cwd = emptyDir();
    writeFileSync(path.join(cwd, 'gourmand.config.json'), JSON.stringify({ databaseURL: 'x' }));
    expect(() => loadSettings({ env: {}, cwd })).toThrow(/unknown setting "databaseURL"/);
    writeFileSync(path.join(cwd, 'gourmand.config.json'), '{ nope');
    expect(() => loadSettings({ env: {}, cwd })).toThrow(/not valid JSON/);
  });

  it('rejects a GOURMAND_CONFIG that does not exist', () => {
    expect(() => loadSettings({ env: { GOURMAND_CONFIG: 'missing.json' }, cwd: emptyDir() })).toThrow(
      /GOURMAND_CONFIG="missing.json": file not found/,
    );
  });
});
