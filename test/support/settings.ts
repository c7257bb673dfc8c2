import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadSettings, type Settings } from '../../src/config/settings.ts';

/** Settings for a test: a private temporary state folder, silent logs, fast retries. */
export function testSettings(env: Record<string, string> = {}): Settings {
  const stateDir = mkdtempSync(path.join(tmpdir(), 'gourmand-test-'));
  return loadSettings({
    env: { GOURMAND_STATE_DIR: stateDir, LOG_LEVEL: 'silent', TASK_BACKOFF_MS: '1', ...env },
    cwd: stateDir,
  });
}
