import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { settingDefs } from '../../src/config/settings.ts';
import { runCli } from '../orchestrator/workers.ts';

/** A fresh clone: no setting in the environment, no config file, an empty state folder. */
function fresh(extra: Record<string, string> = {}) {
  const cwd = mkdtempSync(path.join(tmpdir(), 'gourmand-doctor-'));
  const stateDir = path.join(cwd, 'state');
  const env: Record<string, string | undefined> = { GOURMAND_CONFIG: undefined, LOG_LEVEL: 'warn' };
  for (const def of Object.values(settingDefs)) env[def.env] = undefined;
  return { cwd, stateDir, env: { ...env, GOURMAND_STATE_DIR: stateDir, ...extra } };
}

const doctor = (setup: ReturnType<typeof fresh>, args: string[] = []) =>
  runCli(['doctor', ...args], setup.env, setup.cwd);

/** The line of one check (`ok    redis  …`), or undefined. */
const line = (stdout: string, check: string) =>
  stdout.split('\n').find((l) => new RegExp(`^\\S+\\s+${check}\\s`).test(l));

/** A loopback port nothing listens on (taken, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('gourmand doctor', async () => {
  it('on a fresh clone: every check ok or a production warning, exit 0', async () => {
    const setup = fresh();
    const result = await doctor(setup);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const out = result.stdout;
    expect(line(out, 'node')).toBe(`ok    node       Node ${process.versions.node}`);
    expect(line(out, 'state')).toMatch(/^ok\s+state\s+State folder .* is writable$/);
    expect(line(out, 'database')).toMatch(/^ok\s+database\s+Embedded database .*pglite: not created yet/);
    expect(line(out, 'redis')).toMatch(/^-\s+redis\s+REDIS_URL unset/);
    expect(line(out, 'lake')).toMatch(/^ok\s+lake\s+Lake folder .*lake is writable$/);
    expect(line(out, 'warehouse')).toMatch(
      /^ok\s+warehouse\s+DuckDB warehouse .*warehouse\.duckdb: not created yet/,
    );
    expect(line(out, 'nats')).toMatch(/^-\s+nats\s+CDC_NATS_URL unset/);
    expect(line(out, 'jwt')).toMatch(/^WARN\s+jwt\s+JWT_SECRET unset: .* — set JWT_SECRET in production$/);
    expect(line(out, 'metrics')).toMatch(/^WARN\s+metrics\s+\/metrics is public — set METRICS_TOKEN/);
    expect(line(out, 'sources')).toMatch(
      /^ok\s+sources\s+No API keys: the built-in simulator serves 3000 businesses/,
    );
    expect(out.trim().split('\n').at(-1)).toBe('No failures (2 warning(s)).');

    const json = await doctor(setup, ['--json']);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as { ok: boolean; checks: { check: string; status: string }[] };
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => `${c.check}:${c.status}`)).toEqual([
      'node:ok',
      'settings:ok',
      'state:ok',
      'database:ok',
      'redis:skip',
      'lake:ok',
      'warehouse:ok',
      'nats:skip',
      'jwt:warn',
      'dev:ok',
      'metrics:warn',
      'sources:ok',
    ]);
  });

  it('with REDIS_URL at a closed port: the Redis line says what to do, exit 1', async () => {
    const port = await closedPort();
    const result = await doctor(fresh({ REDIS_URL: `redis://127.0.0.1:${port}/0` }), [
      '--timeout-ms',
      '2000',
    ]);
    expect(result.code).toBe(1);
    expect(line(result.stdout, 'redis')).toBe(
      `FAIL  redis      Cannot reach Redis at redis://127.0.0.1:${port}/0 (connect ECONNREFUSED 127.0.0.1:${port}): start Redis there or fix REDIS_URL (unset = the in-process API cache, no workers)`,
    );
    expect(result.stdout).toMatch(/^1 failure\(s\): fix them/m);
  });

  // Tests run as root, where permission bits stop no write: a state folder under a regular file
  // (ENOTDIR) is unwritable for everyone, which is what the check must find by trying to write.
  it('with a state folder that cannot be written (under a regular file): the state line fails, exit 1', async () => {
    const setup = fresh();
    writeFileSync(path.join(setup.cwd, 'not-a-folder'), '');
    const stateDir = path.join(setup.cwd, 'not-a-folder', 'state');
    const result = await doctor({ ...setup, env: { ...setup.env, GOURMAND_STATE_DIR: stateDir } });
    expect(result.code).toBe(1);
    expect(line(result.stdout, 'state')).toBe(
      `FAIL  state      State folder ${stateDir} is not writable (ENOTDIR) — point GOURMAND_STATE_DIR at a folder this user can write, or fix its permissions`,
    );
  });

  // chmod 0555 stops a normal user (EACCES) but not root: the check writes, so it reports what
  // a write by this user would do, not what the mode bits say.
  it('with a chmod 0555 state folder: failed for a normal user, writable for root', async () => {
    const setup = fresh();
    mkdirSync(setup.stateDir);
    chmodSync(setup.stateDir, 0o555);
    try {
      const result = await doctor(setup);
      if (process.getuid?.() === 0) {
        expect(line(result.stdout, 'state')).toMatch(/^ok\s+state\s+State folder .* is writable$/);
      } else {
        expect(result.code).toBe(1);
        expect(line(result.stdout, 'state')).toMatch(
          /^FAIL\s+state\s+State folder .* is not writable \(EACCES\)/,
        );
      }
    } finally {
      chmodSync(setup.stateDir, 0o755);
    }
  });
});
