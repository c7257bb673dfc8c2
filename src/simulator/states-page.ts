/**
 * The state-abbreviations page, shaped like 50states.com/abbreviations.htm (source-apis.md §3):
 * a `table table-hover` of the 50 states (name, USPS code, standard abbreviation, headers in <th>)
 * and a `has-fixed-layout table table-hover` of DC, Puerto Rico and the territories.
 */
import { geography } from './geo.ts';

const STANDARD: Record<string, string> = {
  AL: 'Ala.',
  AK: 'Alaska',
  AZ: 'Ariz.',
  AR: 'Ark.',
  CA: 'Calif.',
  CO: 'Colo.',
  CT: 'Conn.',
  DE: 'Del.',
  FL: 'Fla.',
  GA: 'Ga.',
  HI: 'Hawaii',
  ID: 'Idaho',
  IL: 'Ill.',
  IN: 'Ind.',
  IA: 'Iowa',
  KS: 'Kans.',
  KY: 'Ky.',
  LA: 'La.',
  ME: 'Maine',
  MD: 'Md.',
  MA: 'Mass.',
  MI: 'Mich.',
  MN: 'Minn.',
  MS: 'Miss.',
  MO: 'Mo.',
  MT: 'Mont.',
  NE: 'Nebr.',
  NV: 'Nev.',
  NH: 'N.H.',
  NJ: 'N.J.',
  NM: 'N. Mex.',
  NY: 'N.Y.',
  NC: 'N.C.',
  ND: 'N. Dak.',
  OH: 'Ohio',
  OK: 'Okla.',
  OR: 'Oreg.',
  PA: 'Pa.',
  RI: 'R.I.',
  SC: 'S.C.',
  SD: 'S. Dak.',
  TN: 'Tenn.',
  TX: 'Texas',
  UT: 'Utah',
  VT: 'Vt.',
  VA: 'Va.',
  WA: 'Wash.',
  WV: 'W. Va.',
  WI: 'Wis.',
  WY: 'Wyo.',
  DC: 'D.C.',
  PR: 'P.R.',
};

const TERRITORIES: [string, string, string][] = [
  ['American Samoa', 'AS', 'A.S.'],
  ['District of Columbia', 'DC', 'D.C.'],
  ['Federated States of Micronesia', 'FM', ''],
  ['Guam', 'GU', 'Guam'],
  ['Marshall Islands', 'MH', ''],
  ['Northern Mariana Islands', 'MP', ''],
  ['Palau', 'PW', ''],
  ['Puerto Rico', 'PR', 'P.R.'],
  ['Virgin Islands', 'VI', 'V.I.'],
];

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
}

function rows(list: [string, string, string][]): string {
  return list
    .map(
      ([name, code, std]) =>
        `      <tr><td>${escapeHtml(name)}</td><td>${code}</td><td>${escapeHtml(std)}</td></tr>`,
    )
    .join('\n');
}

function territories(head: string): string {
  return `    <h2>Washington DC and U.S. Territories</h2>
    <figure class="wp-block-table"><table class="has-fixed-layout table table-hover">
      ${head}
      <tbody>
${rows(TERRITORIES)}
      </tbody>
    </table></figure>
`;
}

/** The page; `states-only` leaves out DC, Puerto Rico and the territories, as a real copy may. */
export function statesPage(kind: 'full' | 'states-only' = 'full'): string {
  const states = geography()
    .states.filter((s) => s.code !== 'DC' && s.code !== 'PR')
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((s): [string, string, string] => [s.name, s.code, STANDARD[s.code] ?? '']);
  const head =
    '<thead><tr><th>State</th><th>Postal Abbreviation</th><th>Standard Abbreviation</th></tr></thead>';
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>State Abbreviations – 50states</title></head>
<body>
  <main>
    <h1>State Abbreviations</h1>
    <p>Below is a list of all 50 states in alphabetical order with their postal and standard abbreviations.
    Take our <a href="/quiz/abbreviations.htm">abbreviations quiz</a>.</p>
    <p>Alaska, Hawaii, Idaho, Iowa, Maine, Ohio, Texas and Utah are not abbreviated in running text.</p>
    <table class="table table-hover">
      ${head}
      <tbody>
${rows(states)}
      </tbody>
    </table>
${kind === 'full' ? territories(head) : ''}  </main>
</body>
</html>
`;
}
