import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = path.resolve('bin/gourmand.js');

describe('gourmand start (npm start)', () => {
  it('runs the daily pipeline on the embedded defaults, then serves the API and the web app over it', async () => {
    const stateDir = mkdtempSync(path.join(tmpdir(), 'gourmand-start-'));
    // --no-schedule: the schedule would go on to catch up the days since 2026-03-02.
    const child = spawn(
      process.execPath,
      [BIN, 'start', '--date', '2026-03-02', '--port', '0', '--no-schedule'],
      {
        env: {
          ...process.env,
          GOURMAND_STATE_DIR: stateDir,
          // Two states' counties: the country-wide searches were most of the run.
          SIM_BUSINESSES: '1000',
          SIM_CENSUS_STATES: 'CA,NV',
          LOG_LEVEL: 'warn',
          DATABASE_URL: '',
          REDIS_URL: '',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const match = /^API (http:\/\/127\.0\.0\.1:\d+)/m.exec(stdout);
        if (match) resolve(match[1]!);
      });
      child.on('exit', (code) => reject(new Error(`start exited with ${code}: ${stdout}${stderr}`)));
    });
    try {
      expect(stdout).toMatch(/^Run 1 for 2026-03-02: succeeded/m);
      expect(stdout).toMatch(/^load_yelp +succeeded/m);

      const list = (await (await fetch(`${url}/businesses?limit=5`)).json()) as { items: unknown[] };
      expect(list.items).toHaveLength(5);
      const home = await fetch(`${url}/`);
      expect(home.headers.get('content-type')).toContain('text/html');
      expect(await home.text()).toMatch(/<script type="module" src="\/assets\/home-\w+\.js">/);
      const overview = (await (await fetch(`${url}/analytics/overview`)).json()) as Record<string, unknown>;
      expect(overview.built).toBe(true);
      expect(overview.openBusinesses).toBeGreaterThan(0);
      const runs = (await (await fetch(`${url}/analytics/pipeline/runs`)).json()) as {
        items: { status: string }[];
      };
      expect(runs.items[0]!.status).toBe('succeeded');
    } finally {
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      child.kill('SIGINT');
      expect(await exited).toBe(0);
    }
  });
});
