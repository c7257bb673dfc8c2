import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { manifestKey, renderManifest } from '../../src/lake/manifest.ts';

const bin = path.resolve(import.meta.dirname, '..', '..', 'bin', 'gourmand.js');
const DATE = '2026-11-25';

/**
 * `gourmand <args> | head -1` under `set -o pipefail`: the pipeline's code is gourmand's own when
 * head succeeds, so 0 means gourmand left quietly after its reader went away.
 */
function piped(args: string[], env: Record<string, string | undefined>) {
  const command = `set -o pipefail; "${process.execPath}" "${bin}" ${args.map((a) => `'${a}'`).join(' ')} | head -1 >/dev/null`;
  const child = spawn('bash', ['-c', command], { env: { ...process.env, ...env } });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise<{ code: number | null; stderr: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, stderr })),
  );
}

/** A lake with one export of many files, so `lake ls --date` writes far more than a pipe holds. */
function lakeWithManyFiles(stateDir: string) {
  const files = Array.from({ length: 5000 }, (_, i) => ({
    key: `business/dt=${DATE}/part-${String(i).padStart(4, '0')}.parquet`,
    rows: i,
    bytes: 1000 + i,
  }));
  const manifest = {
    extractDate: DATE,
    exportedAt: new Date().toISOString(),
    tables: { business: { table: 'business', low: null, high: DATE, rows: 0, files, columns: [] } },
  };
  const file = path.join(stateDir, 'lake', ...manifestKey(DATE).split('/'));
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, renderManifest(manifest));
}

describe('a closed output: every listing command exits 0 without a stack trace', () => {
  const stateDir = mkdtempSync(path.join(tmpdir(), 'gourmand-pipes-'));
  lakeWithManyFiles(stateDir);
  const env = { GOURMAND_STATE_DIR: stateDir, DATABASE_URL: undefined, LOG_LEVEL: 'warn' };

  it.each([
    ['--help'],
    ['config'],
    ['config', '--json'],
    ['lake', 'ls'],
    ['lake', 'ls', '--date', DATE],
    ['sim', 'truth', '--businesses', '3000'],
    ['sim', 'truth', '--summary', '--businesses', '300'],
    ['task', 'list'],
    ['warehouse', 'graph'],
    ['warehouse', 'compile'],
    ['db', 'status'],
    ['status'],
    ['doctor'],
  ])('gourmand %s … | head -1', async (...args) => {
    const result = await piped(args, env);
    expect(result.stderr).not.toMatch(/EPIPE|\n\s+at /);
    expect(result.code, result.stderr).toBe(0);
  });
});
