import { z } from 'zod';
import { SourceError } from '../common/errors.ts';
import type { SourceHttp } from './http.ts';
import { type QuarantinedRecord, validateRecord } from './quarantine.ts';

/** The Population Estimates dataset the original pulled (reference §2.2). */
export const CENSUS_DATASET = '/data/2019/pep/population';
/** County populations: PEP vintage 2019 (2010–2019 by DATE_CODE) or ACS 5-year (a year per request). */
export type CensusDataset = '2019/pep/population' | 'acs/acs5';
/** The first ACS year pulled: the PEP vintage covers the years before. */
const ACS_FIRST_YEAR = 2020;

export interface CensusCounty {
  fips: string;
  name: string;
  stateFips: string;
  stateName: string;
}

export interface CensusPopulation {
  countyFips: string;
  year: number;
  population: number;
}

export interface CensusPull {
  counties: CensusCounty[];
  population: CensusPopulation[];
  quarantined: QuarantinedRecord[];
}

// Census sends every value as a string; null where suppressed.
const rowSchema = z.tuple([
  z.string().regex(/^[^,]+, .+$/, 'NAME is "County, State"'),
  z.string().regex(/^\d+$/, 'POP is a whole number'),
  z.string().regex(/^\d+$/, 'DATE_CODE is a number'),
  z.string().regex(/^\d{2}$/, 'state is 2 digits'),
  z.string().regex(/^\d{3}$/, 'county is 3 digits'),
]);

const tableSchema = z.array(z.array(z.string().nullable())).min(1);

const variablesSchema = z.object({
  variables: z.object({
    DATE_CODE: z.object({ values: z.object({ item: z.record(z.string(), z.string()) }) }),
  }),
});

/** The county table of a Census request; a 204 (valid query, no data) is an error with its cause. */
async function countyTable(
  http: SourceHttp,
  path: string,
  query: Record<string, string>,
  expected: string[],
) {
  const body = await http.getJson(path, query);
  if (body === undefined) {
    throw new SourceError(
      `census: ${path} answered 204 No Content (no data for this query); check CENSUS_DATASET`,
    );
  }
  const table = tableSchema.safeParse(body);
  if (!table.success) throw new SourceError(`census: ${path} did not answer an array of rows`);
  const [header, ...rows] = table.data;
  if (header!.join() !== expected.join()) {
    throw new SourceError(`census: unexpected columns ${header!.join(',')} (expected ${expected.join(',')})`);
  }
  return rows;
}

export async function pullCensus(
  http: SourceHttp,
  apiKey: string,
  dataset: CensusDataset = '2019/pep/population',
  runDate = '2026-01-01',
): Promise<CensusPull> {
  return dataset === 'acs/acs5' ? pullAcs(http, apiKey, runDate) : pullPep(http, apiKey);
}

/**
 * County names and population estimates: `get=NAME,POP,DATE_CODE&for=county:*&in=state:*`,
 * DATE_CODE labels from variables.json. Codes 1 and 2 are the census count and estimates base
 * (not yearly estimates), so only codes above 2 are kept; the year comes from the label.
 */
async function pullPep(http: SourceHttp, apiKey: string): Promise<CensusPull> {
  const variables = variablesSchema.safeParse(await http.getJson(`${CENSUS_DATASET}/variables.json`));
  if (!variables.success) throw new SourceError('census: variables.json has no DATE_CODE labels');
  const labels = variables.data.variables.DATE_CODE.values.item;
  const rows = await countyTable(
    http,
    CENSUS_DATASET,
    { get: 'NAME,POP,DATE_CODE', for: 'county:*', in: 'state:*', key: apiKey },
    ['NAME', 'POP', 'DATE_CODE', 'state', 'county'],
  );
  const counties = new Map<string, CensusCounty>();
  // One estimate per county and year: the latest DATE_CODE wins if a year repeats.
  const population = new Map<string, CensusPopulation & { code: number }>();
  const quarantined: QuarantinedRecord[] = [];
  for (const raw of rows) {
    const checked = validateRecord(rowSchema, 'county', raw);
    if (!checked.ok) {
      quarantined.push({ ...checked.quarantined, key: keyOf(raw, 3) });
      continue;
    }
    const [name, pop, dateCode, stateFips, countyFips] = checked.value;
    const code = Number(dateCode);
    if (code <= 2) continue;
    const fips = stateFips + countyFips;
    const year = /\b(\d{4})\b/.exec(labels[dateCode] ?? '')?.[1];
    if (!year) {
      quarantined.push({ entity: 'county', key: fips, reason: `unknown DATE_CODE ${dateCode}`, record: raw });
      continue;
    }
    counties.set(fips, countyOf(fips, name, stateFips));
    const key = `${fips}:${year}`;
    const previous = population.get(key);
    if (!previous || previous.code < code) {
      population.set(key, { countyFips: fips, year: Number(year), population: Number(pop), code });
    }
  }
  return {
    counties: [...counties.values()].sort((a, b) => a.fips.localeCompare(b.fips)),
    population: [...population.values()].map(({ code: _code, ...rest }) => rest),
    quarantined,
  };
}

const acsRowSchema = z.tuple([
  z.string().regex(/^[^,]+, .+$/, 'NAME is "County, State"'),
  z.string().regex(/^\d+$/, 'B01003_001E is a whole number'),
  z.string().regex(/^\d{2}$/, 'state is 2 digits'),
  z.string().regex(/^\d{3}$/, 'county is 3 digits'),
]);

/**
 * ACS 5-year total population (B01003_001E), one request per year: the year is in the path. A
 * 5-year table for year Y is published late in Y+1, so the years run to the run date's year − 2.
 * County names come from the latest year.
 */
async function pullAcs(http: SourceHttp, apiKey: string, runDate: string): Promise<CensusPull> {
  const last = Number(runDate.slice(0, 4)) - 2;
  const counties = new Map<string, CensusCounty>();
  const population: CensusPopulation[] = [];
  const quarantined: QuarantinedRecord[] = [];
  for (let year = Math.min(ACS_FIRST_YEAR, last); year <= last; year++) {
    const rows = await countyTable(
      http,
      `/data/${year}/acs/acs5`,
      { get: 'NAME,B01003_001E', for: 'county:*', in: 'state:*', key: apiKey },
      ['NAME', 'B01003_001E', 'state', 'county'],
    );
    for (const raw of rows) {
      const checked = validateRecord(acsRowSchema, 'county', raw);
      if (!checked.ok) {
        quarantined.push({ ...checked.quarantined, key: keyOf(raw, 2) });
        continue;
      }
      const [name, pop, stateFips, countyFips] = checked.value;
      const fips = stateFips + countyFips;
      counties.set(fips, countyOf(fips, name, stateFips));
      population.push({ countyFips: fips, year, population: Number(pop) });
    }
  }
  return {
    counties: [...counties.values()].sort((a, b) => a.fips.localeCompare(b.fips)),
    population,
    quarantined,
  };
}

function countyOf(fips: string, name: string, stateFips: string): CensusCounty {
  const comma = name.lastIndexOf(', ');
  return { fips, name: name.slice(0, comma), stateFips, stateName: name.slice(comma + 2) };
}

/** The FIPS code of a raw row whose state column is at `at`. */
function keyOf(row: unknown, at: number): string {
  return Array.isArray(row) && row.length >= at + 2 ? `${row[at]}${row[at + 1]}` : '';
}
