import { readFileSync } from 'node:fs';
import * as cheerio from 'cheerio';
import { SourceError } from '../common/errors.ts';
import type { SourceHttp } from './http.ts';
import type { QuarantinedRecord } from './quarantine.ts';

export interface StateAbbreviation {
  name: string;
  code: string;
}

/**
 * The states page: every table row that has a 2-letter uppercase cell is a (name, USPS code)
 * pair, the name being the nearest cell before it. Tolerates UPPERCASE names, header rows in
 * <th> or <td>, a third "standard abbreviation" column and a second table of territories.
 */
export function parseStatesPage(html: string): StateAbbreviation[] {
  const $ = cheerio.load(html);
  const byCode = new Map<string, StateAbbreviation>();
  $('tr').each((_, row) => {
    const cells = $(row)
      .find('td,th')
      .toArray()
      .map((cell) => $(cell).text().replace(/\s+/g, ' ').trim());
    const at = cells.findIndex((cell) => /^[A-Z]{2}$/.test(cell));
    if (at < 1) return;
    const name = cells[at - 1]!;
    if (!name || byCode.has(cells[at]!)) return;
    byCode.set(cells[at]!, { name: titleCase(name), code: cells[at]! });
  });
  return [...byCode.values()];
}

export async function pullStates(http: SourceHttp, path: string): Promise<StateAbbreviation[]> {
  const states = parseStatesPage(await http.getText(path));
  if (states.length < 50) {
    throw new SourceError(`states page: found ${states.length} state abbreviations, expected at least 50`);
  }
  return states;
}

export interface ReferenceState extends StateAbbreviation {
  fips: string;
}

/**
 * The 50 states, DC and Puerto Rico with FIPS, name and USPS code, shipped with Gourmand (the
 * simulator's geography reads the same file): the page may list the 50 states only.
 */
export function referenceStates(): ReferenceState[] {
  const file = new URL('../simulator/data/us-states.csv', import.meta.url);
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [fips, name, code] = line.split(',');
      return { fips: fips!, name: name!, code: code! };
    });
}

/**
 * The page's states merged with the reference list: every reference state is kept (DC and Puerto
 * Rico too when the page leaves them out), under its reference name; a page name that does not
 * match the reference for its code is quarantined with the reason. Codes the reference does not
 * know (Guam, the Virgin Islands, …) are kept as the page gives them.
 */
export function mergeStates(page: readonly StateAbbreviation[]): {
  states: StateAbbreviation[];
  quarantined: QuarantinedRecord[];
} {
  const reference = referenceStates();
  const known = new Map(reference.map((s) => [s.code, s]));
  const quarantined: QuarantinedRecord[] = [];
  for (const s of page) {
    const expected = known.get(s.code);
    if (expected && expected.name.toLowerCase() !== s.name.toLowerCase()) {
      quarantined.push({
        entity: 'state',
        key: s.code,
        reason: `states page names ${s.code} "${s.name}"; the reference list says "${expected.name}" (FIPS ${expected.fips})`,
        record: s,
      });
    }
  }
  const others = page.filter((s) => !known.has(s.code));
  return {
    states: [...reference.map(({ name, code }) => ({ name, code })), ...others],
    quarantined,
  };
}

const LOWER_WORDS = new Set(['of', 'the', 'and']);

/** "NEW YORK" → "New York", "DISTRICT OF COLUMBIA" → "District of Columbia"; mixed case is kept. */
export function titleCase(name: string): string {
  if (name !== name.toUpperCase()) return name;
  return name
    .toLowerCase()
    .split(' ')
    .map((word, i) => (i > 0 && LOWER_WORDS.has(word) ? word : word.charAt(0).toUpperCase() + word.slice(1)))
    .join(' ');
}
