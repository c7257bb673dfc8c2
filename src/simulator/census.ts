/**
 * The Census Data API's 2019 Population Estimates endpoint (county populations by DATE_CODE) and
 * its variables.json, and the ACS 5-year total population (`/data/{year}/acs/acs5`, B01003_001E),
 * in the API's formats (docs: /work/shared/reference/source-apis.md §2).
 */
import {
  censusRowOrder,
  countyPopulations,
  DATE_CODE_LABELS,
  geography,
  stateTotal,
  yearDateCode,
} from './geo.ts';
import { jsonReply, type Reply, textReply } from './reply.ts';

export const CENSUS_DATASET = '/data/2019/pep/population';
const VARIABLES = ['NAME', 'POP', 'DATE_CODE', 'DATE_DESC', 'GEO_ID'] as const;
type Variable = (typeof VARIABLES)[number];

/** The array-of-arrays body: one row a line, rows separated by ",\n", every value a string. */
export function censusBody(rows: (string | null)[][]): string {
  return `[${rows.map((row) => JSON.stringify(row)).join(',\n')}]`;
}

function keyRedirect(baseUrl: string, page: 'missing_key' | 'invalid_key'): Reply {
  return {
    status: 302,
    headers: {
      location: `${baseUrl}/data/${page}.html`,
      'x-datawebapi-keyerror': '1',
      'content-type': 'text/html',
    },
    body: '',
  };
}

const KEY_PAGES: Record<string, string> = {
  '/data/missing_key.html':
    '<html><head><title>Missing Key</title></head><body><h1>Missing Key</h1><p>A key must be included with every data request. Sign up at <a href="https://api.census.gov/data/key_signup.html">key_signup.html</a>.</p></body></html>',
  '/data/invalid_key.html':
    '<html><head><title>Invalid Key</title></head><body><h1>Invalid Key</h1><p>A valid <em>key</em> must be included with each data API request. You included a key with this request, however, it is not valid. Please check your key and try again.</p><p>If you do not have a key you may sign up for one <a href="https://api.census.gov/data/key_signup.html">here</a>.</p></body></html>',
};

export interface CensusOptions {
  apiKey: string;
  baseUrl: string;
  /** The simulated day: ACS years up to the one before it are published. */
  date: string;
  /** USPS codes of the only states whose counties are served (all when unset). */
  states?: ReadonlySet<string>;
}

const ACS_PATH = /^\/data\/(\d{4})\/acs\/acs5$/;
/** The first ACS 5-year vintage. */
const ACS_FIRST_YEAR = 2009;

function notFoundPage(path: string): Reply {
  return textReply(
    404,
    `<html><body><h1>HTTP Status 404 - Not Found</h1><p>${path}</p></body></html>`,
    'text/html',
  );
}

export function censusRoute(path: string, query: URLSearchParams, options: CensusOptions): Reply {
  const { apiKey, baseUrl } = options;
  const page = KEY_PAGES[path];
  if (page) return textReply(200, page, 'text/html');
  if (path === `${CENSUS_DATASET}/variables.json`) {
    return {
      ...jsonReply(200, variablesJson()),
      headers: { 'content-type': 'application/json', 'access-control-allow-origin': '*' },
    };
  }
  const acsYear = Number(ACS_PATH.exec(path)?.[1]);
  const published = acsYear >= ACS_FIRST_YEAR && acsYear < Number(options.date.slice(0, 4));
  if (path !== CENSUS_DATASET && !published) return notFoundPage(path);
  const key = query.get('key');
  if (!key) return keyRedirect(baseUrl, 'missing_key');
  if (key !== apiKey) return keyRedirect(baseUrl, 'invalid_key');
  const served = (countyStateFips: string) => {
    const state = geography().stateByFips.get(countyStateFips);
    return !options.states || (state !== undefined && options.states.has(state.code));
  };
  if (published) return acsRoute(acsYear, query, served);

  const get = (query.get('get') ?? '').split(',').filter(Boolean);
  if (get.length === 0) return textReply(400, "error: missing 'get' argument");
  if (get.length > 50) return textReply(400, "error: 'get' is limited to 50 variables");
  for (const v of get) {
    if (!(VARIABLES as readonly string[]).includes(v))
      return textReply(400, `error: unknown variable '${v}'`);
  }
  const geo = parseGeography(query.get('for'), query.get('in'));
  if (typeof geo === 'string') return textReply(400, geo);
  const dateCodes = dateCodeFilter(query.get('DATE_CODE'));
  if (typeof dateCodes === 'string') return textReply(400, dateCodes);

  const { counties, states, stateByFips } = geography();
  const rows: string[][] = [[...get, ...geo.columns]];
  for (const code of dateCodes) {
    if (geo.level === 'state') {
      for (const s of states) {
        if (!geo.matchState(s.fips)) continue;
        const values: Record<Variable, string> = {
          NAME: s.name,
          POP: String(stateTotal(s, code)),
          DATE_CODE: String(code),
          DATE_DESC: DATE_CODE_LABELS[String(code)]!,
          GEO_ID: `0400000US${s.fips}`,
        };
        rows.push([...get.map((v) => values[v as Variable]), s.fips]);
      }
      continue;
    }
    const population = countyPopulations(code);
    for (const index of censusRowOrder()) {
      const c = counties[index]!;
      if (!geo.matchState(c.stateFips) || !geo.matchCounty(c.fips.slice(2)) || !served(c.stateFips)) continue;
      const values: Record<Variable, string> = {
        NAME: `${c.name}, ${stateByFips.get(c.stateFips)!.name}`,
        POP: String(population[index]),
        DATE_CODE: String(code),
        DATE_DESC: DATE_CODE_LABELS[String(code)]!,
        GEO_ID: `0500000US${c.fips}`,
      };
      rows.push([...get.map((v) => values[v as Variable]), c.stateFips, c.fips.slice(2)]);
    }
  }
  return tableReply(rows);
}

/** A valid query without data is 204 No Content. */
function tableReply(rows: string[][]): Reply {
  if (rows.length === 1) return { status: 204, headers: {}, body: '' };
  return {
    status: 200,
    headers: { 'content-type': 'application/json;charset=utf-8' },
    body: censusBody(rows),
    json: true,
  };
}

const ACS_VARIABLES = ['NAME', 'B01003_001E', 'GEO_ID'] as const;

/**
 * ACS 5-year total population of a year: the same closed-form county populations as the PEP
 * endpoint (geo.ts), carried on past 2019 by each state's 2010→2020 trend.
 */
function acsRoute(year: number, query: URLSearchParams, served: (stateFips: string) => boolean): Reply {
  const get = (query.get('get') ?? '').split(',').filter(Boolean);
  if (get.length === 0) return textReply(400, "error: missing 'get' argument");
  for (const v of get) {
    if (!(ACS_VARIABLES as readonly string[]).includes(v))
      return textReply(400, `error: unknown variable '${v}'`);
  }
  const geo = parseGeography(query.get('for'), query.get('in'));
  if (typeof geo === 'string') return textReply(400, geo);
  if (geo.level !== 'county') return textReply(400, 'error: The requested resource is not available.');
  const { counties, stateByFips } = geography();
  const population = countyPopulations(yearDateCode(year));
  const rows: string[][] = [[...get, ...geo.columns]];
  for (const index of censusRowOrder()) {
    const c = counties[index]!;
    if (!geo.matchState(c.stateFips) || !geo.matchCounty(c.fips.slice(2)) || !served(c.stateFips)) continue;
    const values: Record<(typeof ACS_VARIABLES)[number], string> = {
      NAME: `${c.name}, ${stateByFips.get(c.stateFips)!.name}`,
      B01003_001E: String(population[index]),
      GEO_ID: `0500000US${c.fips}`,
    };
    rows.push([...get.map((v) => values[v as keyof typeof values]), c.stateFips, c.fips.slice(2)]);
  }
  return tableReply(rows);
}

interface GeoFilter {
  level: 'state' | 'county';
  columns: string[];
  matchState: (fips: string) => boolean;
  matchCounty: (code: string) => boolean;
}

function codes(list: string): ((code: string) => boolean) | null {
  if (list === '*') return () => true;
  const wanted = list.split(',');
  if (wanted.some((c) => !/^\d+$/.test(c))) return null;
  return (code) => wanted.includes(code);
}

function parseGeography(forArg: string | null, inArg: string | null): GeoFilter | string {
  const forMatch = /^(state|county):(.+)$/.exec(forArg ?? '');
  if (!forMatch) return "error: invalid 'for' argument";
  const matchFor = codes(forMatch[2]!);
  if (!matchFor) return "error: invalid 'for' argument";
  if (forMatch[1] === 'state') {
    if (inArg) return 'error: unknown/unsupported geography hierarchy';
    return { level: 'state', columns: ['state'], matchState: matchFor, matchCounty: () => true };
  }
  let matchState: (fips: string) => boolean = () => true;
  if (inArg) {
    const inMatch = /^state:(.+)$/.exec(inArg);
    const matchIn = inMatch ? codes(inMatch[1]!) : null;
    if (!matchIn) return 'error: unknown/unsupported geography hierarchy';
    matchState = matchIn;
  }
  return { level: 'county', columns: ['state', 'county'], matchState, matchCounty: matchFor };
}

function dateCodeFilter(value: string | null): number[] | string {
  const all = Array.from({ length: 12 }, (_, i) => i + 1);
  if (value === null) return all;
  const code = Number(value);
  if (!Number.isInteger(code)) return `error: invalid value '${value}' for predicate variable 'DATE_CODE'`;
  return all.filter((c) => c === code);
}

/** variables.json as the Census API shapes it; DATE_CODE carries its value labels under values.item. */
function variablesJson() {
  return {
    variables: {
      for: {
        label: "Census API FIPS 'for' clause",
        concept: 'Census API Geography Specification',
        predicateType: 'fips-for',
        group: 'N/A',
        limit: 0,
        predicateOnly: true,
      },
      in: {
        label: "Census API FIPS 'in' clause",
        concept: 'Census API Geography Specification',
        predicateType: 'fips-in',
        group: 'N/A',
        limit: 0,
        predicateOnly: true,
      },
      NAME: { label: 'Geographic Area Name', predicateType: 'string', group: 'N/A', limit: 0 },
      GEO_ID: { label: 'Geographic identifier code', predicateType: 'string', group: 'N/A', limit: 0 },
      POP: { label: 'Population', predicateType: 'int', group: 'N/A', limit: 0 },
      DATE_CODE: {
        label: 'Date Code',
        predicateType: 'int',
        group: 'N/A',
        limit: 0,
        values: { item: DATE_CODE_LABELS },
      },
      DATE_DESC: { label: 'Description of DATE_CODE', predicateType: 'string', group: 'N/A', limit: 0 },
    },
  };
}
