import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireLock } from '../../src/common/process-lock.ts';
import { runCli } from '../orchestrator/workers.ts';

const listen = async (server: Server) => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
};

/** The command's stderr, which must be exactly one line. */
function oneLine(result: { code: number | null; stderr: string }): string {
  const lines = result.stderr.trim().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  return lines[0]!;
}

const state = () => mkdtempSync(path.join(tmpdir(), 'gourmand-errors-'));
const quiet = { LOG_LEVEL: 'warn' };

describe('errors a user meets: what is wrong and what to do, in one line', async () => {
  const taken = createServer();
  let port: number;
  let closed: number;
  beforeAll(async () => {
    port = await listen(taken);
    const released = createServer();
    closed = await listen(released);
    await new Promise<void>((resolve) => released.close(() => resolve()));
  });
  afterAll(() => {
    taken.close();
  });

  it.each([
    ['serve', ['serve', '--port']],
    ['start (before its pipeline run)', ['start', '--port']],
    ['sim serve', ['sim', 'serve', '--port']],
  ])('a port in use: %s', async (_name, args) => {
    const result = await runCli([...args, String(port)], {
      ...quiet,
      GOURMAND_STATE_DIR: state(),
      DATABASE_URL: undefined,
    });
    expect(result.code).toBe(1);
    expect(oneLine(result)).toBe(
      `error: Port ${port} on 127.0.0.1 is in use by another process: stop it, or choose another port (--port, or PORT for serve/start; 0 = any free port)`,
    );
  });

  it('a PGlite folder another process holds', async () => {
    const stateDir = state();
    const lock = acquireLock(path.join(stateDir, 'pglite'), 'held by the test', 'test');
    try {
      const result = await runCli(['db', 'status'], {
        ...quiet,
        GOURMAND_STATE_DIR: stateDir,
        DATABASE_URL: undefined,
      });
      expect(result.code).toBe(1);
      expect(oneLine(result)).toMatch(
        new RegExp(
          `^error: The embedded database ${stateDir}/pglite is in use by \`.+\` \\(pid ${process.pid}, since .+\\): stop it first`,
        ),
      );
    } finally {
      lock.release();
    }
  });

  it('a DuckDB warehouse another process holds', async () => {
    const stateDir = state();
    const file = path.join(stateDir, 'warehouse.duckdb');
    const lock = acquireLock(file, 'held by the test', 'test');
    try {
      const result = await runCli(['warehouse', 'test'], {
        ...quiet,
        GOURMAND_STATE_DIR: stateDir,
        WAREHOUSE_URL: undefined,
      });
      expect(result.code).toBe(1);
      expect(oneLine(result)).toMatch(
        new RegExp(
          `^error: The DuckDB warehouse ${file} is in use by \`.+\` \\(pid ${process.pid}, since .+\\): wait for it to finish or stop it, then try again$`,
        ),
      );
    } finally {
      lock.release();
    }
  });

  it('PostgreSQL not there', async () => {
    const result = await runCli(['db', 'status'], {
      ...quiet,
      DATABASE_URL: `postgres://postgres@127.0.0.1:${closed}/gourmand`,
    });
    expect(result.code).toBe(1);
    expect(oneLine(result)).toBe(
      `error: Cannot connect to PostgreSQL at postgres://postgres@127.0.0.1:${closed}/gourmand: connect ECONNREFUSED 127.0.0.1:${closed}; start PostgreSQL there or fix DATABASE_URL (unset = the embedded database)`,
    );
  });

  it('Redis not there: a worker says so at once instead of retrying forever', async () => {
    const result = await runCli(['worker'], {
      ...quiet,
      REDIS_URL: `redis://127.0.0.1:${closed}/0`,
      GOURMAND_STATE_DIR: state(),
    });
    expect(result.code).toBe(1);
    expect(oneLine(result)).toBe(
      `error: Cannot reach Redis at redis://127.0.0.1:${closed}/0 (connect ECONNREFUSED 127.0.0.1:${closed}): start Redis there or fix REDIS_URL (unset = the in-process API cache, no workers)`,
    );
  });
});
