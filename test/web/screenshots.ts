/**
 * `npm run screenshots`: a PNG of every page at 1280 and 390 px in docs/screenshots/, after the
 * same simulated pipeline the browser suite runs.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { startServer } from '../../src/api/server.ts';
import { silentLogger } from '../../src/common/logger.ts';
import { launchChromium } from './browser.ts';
import { simulatedWorld } from './world.ts';

const OUT = path.resolve(import.meta.dirname, '../../docs/screenshots');
/** Page, address and, optionally, what the phone's first screen should show (scrolled into view). */
const PAGES: readonly (readonly [string, string, string?])[] = [
  ['home', '/'],
  ['explorer', '/explorer?sort=review_count&order=desc'],
  ['business', '/business/1'],
  ['map', '/map'],
  ['segments', '/segments'],
  ['analyses', '/analyses', '[data-analysis="review-count-regression"] .sentence'],
  ['pipeline', '/pipeline'],
  ['account', '/account'],
];

mkdirSync(OUT, { recursive: true });
console.log('running the simulated pipeline over three dates…');
const world = await simulatedWorld();
const server = await startServer({
  settings: world.settings,
  database: world.database,
  log: silentLogger,
  port: 0,
});
const browser = await launchChromium();
try {
  for (const width of [1280, 390]) {
    for (const [name, url, focus] of PAGES) {
      const page = await browser.newPage({ viewport: { width, height: width > 600 ? 900 : 844 } });
      await page.goto(`${server.url}${url}`, { waitUntil: 'networkidle' });
      await page.waitForFunction(() => !document.body.textContent?.includes('Loading…'));
      if (focus && width <= 600)
        await page.locator(focus).evaluate((e) => e.scrollIntoView({ block: 'start' }));
      const file = path.join(OUT, `${name}-${width}.png`);
      await page.screenshot({ path: file, fullPage: width > 600 });
      console.log(`  ${path.relative(process.cwd(), file)}`);
      await page.close();
    }
  }
} finally {
  await browser.close();
  await server.close();
  await world.close();
}
