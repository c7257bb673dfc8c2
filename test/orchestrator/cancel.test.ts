import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/oltp/database.ts';
import { createTestDatabase, databaseBackends } from '../support/database.ts';

const fixture = path.join(import.meta.dirname, 'fixtures', 'slow-run.ts');
const tsx = path.resolve('node_modules', '.bin', 'tsx');

describe.each(databaseBackends)('Ctrl-C on %s', (backend) => {
  it('ends the run marked cancelled, not running', async () => {
    const stateDir = mkdtempSync(path.join(tmpdir(), 'gourmand-cancel-'));
    const server =
      backend === 'postgres' ? await createTestDatabase('postgres', { migrate: false }) : undefined;
    const env = { ...process.env, GOURMAND_STATE_DIR: stateDir, DATABASE_URL: server?.url ?? '' };
    try {
      const child = spawn(tsx, [fixture], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      const exitCode = await new Promise<number | null>((resolve) => {
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes('task started')) child.kill('SIGINT');
        });
        child.stderr.on('data', (chunk: Buffer) => {
          output += chunk.toString();
        });
        child.on('exit', (code) => resolve(code));
      });
      expect(output).toContain('run cancelled');
      expect(exitCode).toBe(130);

      const database = await openDatabase({ stateDir, databaseUrl: server?.url });
      try {
        const runs = await database.db
          .selectFrom('ops.pipeline_run')
          .select(['status', 'ended_at'])
          .execute();
        const tasks = await database.db.selectFrom('ops.task_run').select(['task_name', 'status']).execute();
        expect(runs).toEqual([{ status: 'cancelled', ended_at: expect.any(Date) }]);
        expect(tasks).toEqual([{ task_name: 'wait_forever', status: 'cancelled' }]);
      } finally {
        await database.close();
      }
    } finally {
      await server?.close();
    }
  });
});
