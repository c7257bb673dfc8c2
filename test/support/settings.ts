import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadSettings, type Settings } from '../../src/config/settings.ts';
import type { SimulatorServer } from '../../src/simulator/index.ts';

/** Settings for a test: a private temporary state folder, silent logs, fast retries. */
export function testSettings(env: Record<string, string> = {}): Settings {
  const stateDir = mkdtempSync(path.join(tmpdir(), 'gourmand-test-'));
  return loadSettings({
    env: { GOURMAND_STATE_DIR: stateDir, LOG_LEVEL: 'silent', TASK_BACKOFF_MS: '1', ...env },
    cwd: stateDir,
  });
}

/** Settings pointing every source at a simulator, as a deployment with API keys would. */
export function simSettings(sim: SimulatorServer, extra: Record<string, string> = {}): Settings {
  return testSettings({
    YELP_API_KEY: 'sim-yelp-key',
    CENSUS_API_KEY: 'sim-census-key',
    YELP_BASE_URL: sim.url,
    CENSUS_BASE_URL: sim.url,
    STATES_PAGE_URL: `${sim.url}/abbreviations.htm`,
    // The simulator answers for any date; the real APIs only for today.
    SOURCE_SERVES_HISTORY: 'true',
    SOURCE_RATE_PER_SECOND: '1000',
    SOURCE_BACKOFF_MS: '1',
    EXTRACT_CONCURRENCY: '8',
    ...extra,
  });
}
