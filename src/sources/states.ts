import * as cheerio from 'cheerio';
import { SourceError } from '../common/errors.ts';
import type { SourceHttp } from './http.ts';

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
