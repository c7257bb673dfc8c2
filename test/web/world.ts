import { silentLogger } from '../../src/common/logger.ts';
import type { Settings } from '../../src/config/settings.ts';
import { dailyGraph } from '../../src/orchestrator/pipeline.ts';
import { type RunSummary, runGraph } from '../../src/orchestrator/runner.ts';
import { alertHooks } from '../../src/quality/alerts.ts';
import { startSimulator } from '../../src/simulator/index.ts';
import { startReceiver, unreachableUrl, type WebhookReceiver } from '../quality/webhook-receiver.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { simSettings } from '../support/settings.ts';

export const DAYS = ['2026-03-02', '2026-03-03', '2026-03-04'] as const;
export const FAILED_DAY = '2026-03-05';
export const DASHBOARD_URL = 'http://gourmand.test/dashboard';

export interface WebWorld {
  settings: Settings;
  database: TestDatabase;
  summaries: RunSummary[];
  /** The alerts the failed run posted. */
  webhook: WebhookReceiver;
  close(): Promise<void>;
}

/**
 * A small simulated world run through the whole daily pipeline on three dates, then a fourth run
 * whose Census source cannot be reached (a failed task with its error, and an alert).
 */
export async function simulatedWorld(businesses = 300): Promise<WebWorld> {
  const sim = await startSimulator({ businesses, seed: 5, date: DAYS[0], searchDepthCap: 240 });
  const webhook = await startReceiver();
  const settings = simSettings(sim, { ALERT_WEBHOOK_URL: webhook.url, DASHBOARD_URL, ALERT_BACKOFF_MS: '1' });
  const database = await createTestDatabase('pglite');
  const summaries: RunSummary[] = [];
  const run = (runDate: string, runSettings: Settings) =>
    runGraph({
      graph: dailyGraph(),
      runDate,
      settings: runSettings,
      database,
      log: silentLogger,
      attempts: 1,
      hooks: alertHooks(runSettings, database, silentLogger),
    });
  for (const date of DAYS) {
    sim.setDate(date);
    summaries.push(await run(date, settings));
  }
  sim.setDate(FAILED_DAY);
  const broken = { ...settings, censusBaseUrl: await unreachableUrl(), sourceAttempts: 1 };
  summaries.push(await run(FAILED_DAY, broken));
  await sim.close();
  return {
    settings,
    database,
    summaries,
    webhook,
    async close() {
      await webhook.close();
      await database.close();
    },
  };
}
