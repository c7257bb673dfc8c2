import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { gourmand } from '../support/cli.ts';

const BIN = path.resolve('bin/gourmand.js');

describe('gourmand serve', () => {
  it('migrates, listens on the given port, answers, and exits cleanly on SIGTERM', async () => {
    const stateDir = mkdtempSync(path.join(tmpdir(), 'gourmand-serve-'));
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0'], {
      env: {
        ...process.env,
        GOURMAND_STATE_DIR: stateDir,
        LOG_LEVEL: 'info',
        DATABASE_URL: '',
        REDIS_URL: '',
        JWT_SECRET: '',
        GOURMAND_DEV: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let logs = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (chunk: Buffer) => {
        logs += chunk.toString();
        const match = /API listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(logs);
        if (match) resolve(match[1]!);
      });
      child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${logs}`)));
    });
    const health = await fetch(`${url}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect((await fetch(`${url}/states`)).status).toBe(200);
    // On the embedded database without JWT_SECRET, a generated secret is kept for the owner only.
    const secretFile = path.join(stateDir, 'jwt-secret');
    expect(statSync(secretFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(secretFile, 'utf8').length).toBeGreaterThanOrEqual(32);
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('refuses to serve a PostgreSQL server without JWT_SECRET outside development mode: exit 2, one line', async () => {
    const env = {
      GOURMAND_STATE_DIR: mkdtempSync(path.join(tmpdir(), 'gourmand-serve-')),
      DATABASE_URL: 'postgres://gourmand:pw-123456@127.0.0.1:1/gourmand',
      JWT_SECRET: '',
      GOURMAND_DEV: '',
    };
    for (const command of [['serve'], ['start', '--port', '0']]) {
      const result = await gourmand(command, env);
      expect(result.code).toBe(2);
      expect(result.stderr.trim().split('\n')).toEqual([
        'error: JWT_SECRET is not set: the API on a PostgreSQL server needs one shared secret of 32+ characters (e.g. `openssl rand -base64 48`); GOURMAND_DEV=true runs without',
      ]);
    }
  });

  it('refuses a bad port with exit code 2 and one line', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', 'eighty'], {
      env: { ...process.env, GOURMAND_STATE_DIR: mkdtempSync(path.join(tmpdir(), 'gourmand-serve-')) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(2);
    expect(stderr.trim()).toBe('error: Invalid --port "eighty": expected a port number from 0 to 65535');
  });
});
