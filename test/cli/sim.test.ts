import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { gourmand } from '../support/cli.ts';

const bin = path.resolve(import.meta.dirname, '..', '..', 'bin', 'gourmand.js');

describe('gourmand sim', () => {
  it('prints the truth summary of a day', async () => {
    const result = await gourmand([
      'sim',
      'truth',
      '--date',
      '2026-11-25',
      '--summary',
      '--businesses',
      '300',
      '--seed',
      '4',
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/300 businesses, on 2026-11-25/);
    expect(result.stdout).toMatch(/^states\s+52$/m);
    expect(result.stdout).toMatch(/^businesses\s+\d+$/m);
  });

  it('rejects a bad flag with one line and exit code 2', async () => {
    const result = await gourmand(['sim', 'serve', '--fault-error-rate', '2']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe('error: Invalid --fault-error-rate "2": expected a number from 0 to 1');
  });

  it('serves until interrupted and prints the settings to point Gourmand at it', async () => {
    const child = spawn(
      process.execPath,
      [bin, 'sim', 'serve', '--businesses', '200', '--date', '2026-11-25'],
      {
        env: { ...process.env, LOG_LEVEL: 'warn' },
      },
    );
    let stdout = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
        const match = /export YELP_BASE_URL=(\S+)/.exec(stdout);
        if (match && stdout.includes('CENSUS_API_KEY')) resolve(match[1]!);
      });
      child.once('exit', () => reject(new Error(`exited early: ${stdout}`)));
    });
    expect(stdout).toContain(`export STATES_PAGE_URL=${url}/abbreviations.htm`);
    expect(stdout).toContain('export YELP_API_KEY=sim-yelp-key');
    const response = await fetch(`${url}/v3/categories`, {
      headers: { authorization: 'Bearer sim-yelp-key' },
    });
    expect(response.status).toBe(200);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });
});
