import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimulatorServer, startSimulator } from '../../src/simulator/index.ts';
import { pullCensus } from '../../src/sources/census.ts';
import { parseStatesPage, pullStates } from '../../src/sources/states.ts';
import { loopback, sendJson, testHttp } from './loopback.ts';

describe('census and states against the simulator', () => {
  let sim: SimulatorServer;
  beforeAll(async () => {
    sim = await startSimulator({ businesses: 10, seed: 1, date: '2026-01-05' });
  });
  afterAll(async () => {
    await sim?.close();
  });

  it('pulls every county and its yearly estimates (DATE_CODE > 2, year from the label)', async () => {
    const http = testHttp(sim.url);
    const pulled = await pullCensus(http, 'sim-census-key');
    const truth = sim.world.truth('2026-01-05');
    expect(http.calls).toBe(2);
    expect(pulled.quarantined).toEqual([]);
    const key = (c: { fips: string }) => c.fips;
    expect(pulled.counties.map(key)).toEqual(truth.counties.map(key).sort());
    const pops = (list: { countyFips: string; year: number; population: number }[]) =>
      list.map((p) => `${p.countyFips}:${p.year}:${p.population}`).sort();
    expect(pops(pulled.population)).toEqual(pops(truth.countyPopulation));
  });

  it('fails clearly on a bad Census key (302 to invalid_key.html)', async () => {
    await expect(pullCensus(testHttp(sim.url), 'wrong')).rejects.toThrow(/invalid_key/);
  });

  it('scrapes 50 states, DC, PR and the territories from the states page', async () => {
    const states = await pullStates(testHttp(sim.url), '/abbreviations.htm');
    const truth = sim.world.truth('2026-01-05').states;
    const byCode = new Map(states.map((s) => [s.code, s.name]));
    for (const s of truth) expect(byCode.get(s.code)?.toLowerCase()).toBe(s.name.toLowerCase());
  });
});

describe('census rows that fail validation', () => {
  it('are quarantined, the rest kept', async () => {
    const server = await loopback((_req, res, url) => {
      if (url.pathname.endsWith('variables.json')) {
        return sendJson(res, 200, {
          variables: {
            DATE_CODE: { values: { item: { '2': 'base', '3': '7/1/2010 population estimate' } } },
          },
        });
      }
      sendJson(res, 200, [
        ['NAME', 'POP', 'DATE_CODE', 'state', 'county'],
        ['Autauga County, Alabama', '54571', '3', '01', '001'],
        ['Autauga County, Alabama', '54000', '2', '01', '001'],
        ['Baldwin County, Alabama', null, '3', '01', '003'],
      ]);
    });
    try {
      const pulled = await pullCensus(testHttp(server.url), 'k');
      expect(pulled.counties).toEqual([
        { fips: '01001', name: 'Autauga County', stateFips: '01', stateName: 'Alabama' },
      ]);
      expect(pulled.population).toEqual([{ countyFips: '01001', year: 2010, population: 54571 }]);
      expect(pulled.quarantined).toMatchObject([{ entity: 'county', key: '01003' }]);
    } finally {
      await server.close();
    }
  });
});

describe('census outages and odd answers', () => {
  it('fails with the cause on a 204, an HTML page with status 200, and keeps retrying 5xx until it gives up', async () => {
    let served = 0;
    const server = await loopback((_req, res, url) => {
      served++;
      if (url.searchParams.get('key') === 'old-bad-key') {
        res.writeHead(200, { 'content-type': 'text/html' });
        return res.end('<html><head><title>Invalid Key</title></head><body>not valid</body></html>');
      }
      if (url.pathname.startsWith('/data/2020/')) {
        res.writeHead(204);
        return res.end();
      }
      res.writeHead(503, { 'content-type': 'text/plain' });
      res.end('There was an error while running your query.');
    });
    try {
      const http = () => testHttp(server.url, { keySetting: 'CENSUS_API_KEY' });
      await expect(pullCensus(http(), 'k', 'acs/acs5', '2022-06-01')).rejects.toThrow(
        'census: /data/2020/acs/acs5 answered 204 No Content (no data for this query); check CENSUS_DATASET',
      );
      const html = http();
      await expect(pullCensus(html, 'old-bad-key', 'acs/acs5', '2023-06-01')).rejects.toThrow(
        /answered an HTML page \("Invalid Key"\) instead of JSON; check CENSUS_API_KEY/,
      );
      const outage = http();
      served = 0;
      await expect(pullCensus(outage, 'k', '2019/pep/population')).rejects.toThrow(/HTTP 503/);
      expect(served).toBe(4);
      // The HTML page is not retried.
      expect(html.calls).toBe(1);
    } finally {
      await server.close();
    }
  });
});

describe('parseStatesPage', () => {
  it('keys on the 2-letter code, tolerating UPPERCASE names, <td> headers and a third column', () => {
    const html = `<p>All 50 states</p>
      <table><tr><td>State</td><td>Postal Abbreviation</td><td>Standard</td></tr>
      <tr><td>ALABAMA</td><td>AL</td><td>Ala.</td></tr>
      <tr><td> New  Mexico </td><td>NM</td><td>N. Mex.</td></tr>
      <tr><td>DISTRICT OF COLUMBIA</td><td>DC</td></tr></table>
      <table class="has-fixed-layout"><tr><th>Territory</th><th>Code</th></tr>
      <tr><td>Guam</td><td>GU</td></tr><tr><td>Alabama again</td><td>AL</td></tr></table>`;
    expect(parseStatesPage(html)).toEqual([
      { name: 'Alabama', code: 'AL' },
      { name: 'New Mexico', code: 'NM' },
      { name: 'District of Columbia', code: 'DC' },
      { name: 'Guam', code: 'GU' },
    ]);
  });
});
