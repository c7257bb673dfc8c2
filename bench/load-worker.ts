// The measured half of bench/load.ts, in its own process so its peak memory (VmHWM) is the
// load's alone: our first-load path, from the kept raw pull to the normalized tables.
import { readFileSync } from 'node:fs';
import { loadSettings } from '../src/config/settings.ts';
import { openPostgres } from '../src/oltp/database.ts';
import { withLoadTransaction } from '../src/oltp/load/session.ts';
import { yelpLoadInput } from '../src/oltp/load/tasks.ts';
import { loadYelp } from '../src/oltp/load/yelp.ts';

const [url, stateDir, date] = process.argv.slice(2) as [string, string, string];
const settings = loadSettings({ env: { GOURMAND_STATE_DIR: stateDir, LOG_LEVEL: 'silent' }, cwd: stateDir });
const database = await openPostgres(url, 2);
const started = performance.now();
const { input } = await yelpLoadInput(settings, date);
const counts = await withLoadTransaction(database, (session) => loadYelp(session, date, input));
const ms = performance.now() - started;
await database.close();
const peakKb = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0);
process.stdout.write(`${JSON.stringify({ ms, counts, peakRssMb: Math.round(peakKb / 1024) })}\n`);
