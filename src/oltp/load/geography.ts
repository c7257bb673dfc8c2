import type { CensusCounty, CensusPopulation } from '../../sources/census.ts';
import type { QuarantinedRecord } from '../../sources/quarantine.ts';
import type { StateAbbreviation } from '../../sources/states.ts';
import type { LoadSession } from './session.ts';
import { loadScript } from './sql-files.ts';

export interface GeographyInput {
  states: readonly StateAbbreviation[];
  counties: readonly CensusCounty[];
  population: readonly CensusPopulation[];
  /** What the extracts already set aside, by source. */
  quarantined: readonly (QuarantinedRecord & { source: string })[];
}

export interface LoadCounts {
  [table: string]: number;
}

/** Country, states, counties and their population, in the caller's load transaction. */
export async function loadGeography(session: LoadSession, runDate: string, input: GeographyInput) {
  await startLoad(session, runDate, 'geography');
  await copyQuarantine(session, input.quarantined);
  await session.copy(
    'stg_state_page',
    ['name', 'code'],
    input.states.map((s) => [s.name, s.code]),
  );
  await session.copy(
    'stg_census_county',
    ['fips', 'county_name', 'state_fips', 'state_name'],
    input.counties.map((c) => [c.fips, c.name, c.stateFips, c.stateName]),
  );
  await session.copy(
    'stg_county_population',
    ['county_fips', 'year', 'population'],
    input.population.map((p) => [p.countyFips, p.year, p.population]),
  );
  await session.exec(loadScript('geography.sql', runDate));
  return finishLoad(session, runDate, ['state', 'county', 'county_population']);
}

export async function copyQuarantine(
  session: LoadSession,
  records:
    | Iterable<QuarantinedRecord & { source: string }>
    | AsyncIterable<QuarantinedRecord & { source: string }>,
) {
  async function* rows() {
    for await (const q of records) {
      yield [q.source, q.entity, q.key, q.reason, q.record === undefined ? null : JSON.stringify(q.record)];
    }
  }
  return session.copy('stg_quarantine', ['source', 'entity', 'record_key', 'reason', 'record'], rows());
}

/** Staging tables, and whether this date moves current state (`stg_load`), recorded as loaded. */
export async function startLoad(session: LoadSession, runDate: string, source: 'geography' | 'yelp') {
  await session.exec(loadScript('staging.sql', runDate));
  await session.exec(loadScript('source-load.sql', runDate, { source }));
}

/**
 * Stores the quarantine, puts the id sequences past the ids the load assigned, and counts the rows
 * of `tables` (for the run summary).
 */
export async function finishLoad(session: LoadSession, runDate: string, tables: readonly string[]) {
  const [{ n: quarantined } = { n: 0 }] = await session.query<{ n: number }>(
    'select count(*)::int as n from stg_quarantine',
  );
  await session.exec(loadScript('quarantine.sql', runDate));
  await session.exec(loadScript('sequences.sql', runDate));
  const counts: LoadCounts = {};
  for (const table of tables) {
    const [row] = await session.query<{ n: number }>(`select count(*)::int as n from ${table}`);
    counts[table] = row?.n ?? 0;
  }
  counts.quarantined = quarantined;
  return counts;
}
