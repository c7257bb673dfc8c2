import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = path.resolve('bin/gourmand.js');

/** Runs gourmand without blocking this process's event loop (the fake servers live in it). */
function run(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; stderr: string; elapsedMs: number }>((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [BIN, ...args], {
      env: {
        ...process.env,
        LOG_LEVEL: 'warn',
        GOURMAND_STATE_DIR: mkdtempSync(path.join(tmpdir(), 'g-')),
        ...env,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    // A hang guard only: a command that hangs is killed and fails the assertions below.
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (code) => {
      clearTimeout(guard);
      resolve({ code, stderr, elapsedMs: Date.now() - started });
    });
  });
}

describe('a DATABASE_URL that points at something that is not PostgreSQL', () => {
  const sockets = new Set<net.Socket>();
  let silent: net.Server;
  let garbage: net.Server;
  const listen = async (server: net.Server) => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  };
  beforeAll(() => {
    // Accepts the connection and never says a word (a firewall black hole, a stuck proxy).
    silent = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
    });
    // Answers like a web server.
    garbage = net.createServer((socket) => {
      socket.on('error', () => {});
      socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n');
    });
  });
  afterAll(() => {
    for (const socket of sockets) socket.destroy();
    silent.close();
    garbage.close();
  });

  it('fails within the connect timeout with one line, the password masked', async () => {
    const port = await listen(silent);
    const result = await run(['db', 'status'], {
      DATABASE_URL: `postgres://gourmand:s3cret-Passw0rd@127.0.0.1:${port}/gourmand`,
      DATABASE_CONNECT_TIMEOUT_MS: '1500',
    });
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toEqual([
      `error: Cannot connect to PostgreSQL at postgres://gourmand:***@127.0.0.1:${port}/gourmand: Connection terminated due to connection timeout; start PostgreSQL there or fix DATABASE_URL (unset = the embedded database)`,
    ]);
    expect(result.stderr).not.toContain('s3cret');
    expect(result.elapsedMs).toBeGreaterThanOrEqual(1500);
  });

  it('fails at once with one line when the listener answers something else', async () => {
    const port = await listen(garbage);
    const result = await run(['db', 'status'], {
      DATABASE_URL: `postgres://gourmand:s3cret-Passw0rd@127.0.0.1:${port}/gourmand`,
    });
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(
        `^error: Cannot connect to PostgreSQL at postgres://gourmand:\\*\\*\\*@127\\.0\\.0\\.1:${port}/gourmand: .+`,
      ),
    );
    expect(result.stderr).not.toContain('s3cret');
  });
});
