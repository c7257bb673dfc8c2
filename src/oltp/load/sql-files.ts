import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseRunDate } from '../../common/dates.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const cache = new Map<string, string>();

/**
 * A load script beside this module with `:run_date` bound to a date literal (and `:name`
 * placeholders to the given identifiers, constants of the code). Scripts hold many
 * statements (simple protocol, no parameters), so the date is validated and inlined instead.
 */
export function loadScript(name: string, runDate: string, identifiers: Record<string, string> = {}): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(path.join(here, name), 'utf8');
    cache.set(name, text);
  }
  for (const [key, identifier] of Object.entries(identifiers)) {
    if (!/^[a-z_]+$/.test(identifier)) throw new Error(`not an identifier: ${identifier}`);
    text = text.replaceAll(`:${key}`, identifier);
  }
  return text.replaceAll(':run_date', `'${parseRunDate(runDate, 'run date')}'::date`);
}
