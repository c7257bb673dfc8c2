import { z } from 'zod';
import { SourceError } from '../common/errors.ts';
import type { SourceHttp } from './http.ts';
import { type QuarantinedRecord, validateRecord } from './quarantine.ts';

/** The Population Estimates dataset the original pulled (reference §2.2). */
export const CENSUS_DATASET = '/data/2019/pep/population';

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

/**
 * County names and population estimates: `get=NAME,POP,DATE_CODE&for=county:*&in=state:*`,
 * DATE_CODE labels from variables.json. Codes 1 and 2 are the census count and estimates base
 * (not yearly estimates), so only codes above 2 are kept; the year comes from the label.
 */
export async function pullCensus(http: SourceHttp, apiKey: string): Promise<CensusPull> {
  const variables = variablesSchema.safeParse(await http.getJson(`${CENSUS_DATASET}/variables.json`));
  if (!variables.success) throw new SourceError('census: variables.json has no DATE_CODE labels');
  const labels = variables.data.variables.DATE_CODE.values.item;
  const table = tableSchema.safeParse(
    await http.getJson(CENSUS_DATASET, {
      get: 'NAME,POP,DATE_CODE',
      for: 'county:*',
      in: 'state:*',
      key: apiKey,
    }),
  );
  if (!table.success) throw new SourceError('census: the county table is not an array of rows');
  const [header, ...rows] = table.data;
  const expected = ['NAME', 'POP', 'DATE_CODE', 'state', 'county'];
  if (header!.join() !== expected.join()) {
    throw new SourceError(`census: unexpected columns ${header!.join(',')} (expected ${expected.join(',')})`);
  }
  const counties = new Map<string, CensusCounty>();
  // One estimate per county and year: the latest DATE_CODE wins if a year repeats.
  const population = new Map<string, CensusPopulation & { code: number }>();
  const quarantined: QuarantinedRecord[] = [];
  for (const raw of rows) {
    const checked = validateRecord(rowSchema, 'county', raw);
    if (!checked.ok) {
      quarantined.push({ ...checked.quarantined, key: keyOf(raw) });
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
    const comma = name.lastIndexOf(', ');
    counties.set(fips, { fips, name: name.slice(0, comma), stateFips, stateName: name.slice(comma + 2) });
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

function keyOf(row: unknown): string {
  return Array.isArray(row) && row.length >= 5 ? `${row[3]}${row[4]}` : '';
}
