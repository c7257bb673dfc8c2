import * as cheerio from 'cheerio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GroundTruth, type SimulatorServer, startSimulator } from '../../src/simulator/index.ts';
import { get } from './http.ts';

const DATE = '2026-11-25';
const QUERY = 'get=NAME,POP,DATE_CODE&for=county:*&in=state:*';
let server: SimulatorServer;
let truth: GroundTruth;

beforeAll(async () => {
  server = await startSimulator({ businesses: 100, seed: 5, date: DATE });
  truth = server.world.truth(DATE);
});
afterAll(() => server.close());

describe('Census county populations', () => {
  it('serves every county and DATE_CODE as an array of string arrays, one row a line', async () => {
    const response = await get(`${server.url}/data/2019/pep/population?${QUERY}&key=sim-census-key`);
    expect(response.status).toBe(200);
    expect(response.text.split(',\n')[0]).toBe('[["NAME","POP","DATE_CODE","state","county"]');
    const rows = JSON.parse(response.text) as unknown[][];
    expect(rows[0]).toEqual(['NAME', 'POP', 'DATE_CODE', 'state', 'county']);
    expect(rows.length - 1).toBe(truth.counties.length * 12);
    expect(rows.every((row) => row.length === 5 && row.every((value) => typeof value === 'string'))).toBe(
      true,
    );
    expect(response.text.split(',\n')).toHaveLength(rows.length);

    const names = rows.slice(1).map((r) => r[0] as string);
    expect(names).toContain('Autauga County, Alabama');
    expect(names).toContain('Orleans Parish, Louisiana');
    expect([...names.slice(0, 50)].sort()).not.toEqual(names.slice(0, 50));

    // DATE_CODE > 2 rows are the truth's yearly populations.
    const expected = new Map(truth.countyPopulation.map((p) => [`${p.countyFips}|${p.year}`, p.population]));
    let compared = 0;
    const mismatches: string[][] = [];
    for (const row of rows.slice(1) as string[][]) {
      const [, pop, code, state, county] = row;
      if (!/^\d{2}$/.test(state!) || !/^\d{3}$/.test(county!)) mismatches.push(row);
      if (Number(code) <= 2) continue;
      if (Number(pop) !== expected.get(`${state}${county}|${2007 + Number(code)}`)) mismatches.push(row);
      compared++;
    }
    expect(mismatches).toEqual([]);
    expect(compared).toBe(truth.countyPopulation.length);
  });

  it('makes county rows add up to the state rows', async () => {
    const counties = JSON.parse(
      (await get(`${server.url}/data/2019/pep/population?${QUERY}&key=sim-census-key`)).text,
    ) as string[][];
    const states = JSON.parse(
      (
        await get(
          `${server.url}/data/2019/pep/population?get=NAME,POP,DATE_CODE&for=state:*&key=sim-census-key`,
        )
      ).text,
    ) as string[][];
    expect(states.length - 1).toBe(52 * 12);
    const sums = new Map<string, number>();
    for (const [, pop, code, state] of counties.slice(1)) {
      sums.set(`${state}|${code}`, (sums.get(`${state}|${code}`) ?? 0) + Number(pop));
    }
    for (const [, pop, code, state] of states.slice(1))
      expect(sums.get(`${state}|${code}`)).toBe(Number(pop));
    const california2010 = states.find((r) => r[3] === '06' && r[2] === '1')!;
    expect(california2010.slice(0, 2)).toEqual(['California', '37253956']);
  });

  it('filters one state and answers 204 for no data', async () => {
    const alabama = JSON.parse(
      (
        await get(
          `${server.url}/data/2019/pep/population?get=NAME,POP&for=county:*&in=state:01&key=sim-census-key`,
        )
      ).text,
    ) as string[][];
    expect(alabama.length - 1).toBe(67 * 12);
    const none = await get(
      `${server.url}/data/2019/pep/population?get=NAME,POP&for=county:999&in=state:01&key=sim-census-key`,
    );
    expect(none.status).toBe(204);
  });

  it('labels DATE_CODE values in variables.json', async () => {
    const response = await get(`${server.url}/data/2019/pep/population/variables.json`);
    const labels = JSON.parse(response.text).variables.DATE_CODE.values.item;
    expect(labels['1']).toBe('4/1/2010 Census population');
    expect(labels['2']).toBe('4/1/2010 population estimates base');
    expect(labels['3']).toBe('7/1/2010 population estimate');
    expect(labels['12']).toBe('7/1/2019 population estimate');
  });

  it('answers query errors as one-line text and key errors as redirects', async () => {
    const unknown = await get(
      `${server.url}/data/2019/pep/population?get=NAME,XYZ&for=county:*&in=state:*&key=sim-census-key`,
    );
    expect(unknown.status).toBe(400);
    expect(unknown.headers['content-type']).toMatch(/^text\/plain/);
    expect(unknown.text).toBe("error: unknown variable 'XYZ'");
    const badFor = await get(
      `${server.url}/data/2019/pep/population?get=NAME&for=nowhere&key=sim-census-key`,
    );
    expect(badFor.text).toBe("error: invalid 'for' argument");

    const missing = await get(`${server.url}/data/2019/pep/population?${QUERY}`);
    expect(missing.status).toBe(302);
    expect(missing.headers.location).toBe(`${server.url}/data/missing_key.html`);
    expect(missing.headers['x-datawebapi-keyerror']).toBe('1');
    const invalid = await get(`${server.url}/data/2019/pep/population?${QUERY}&key=wrong`);
    expect(invalid.status).toBe(302);
    expect(invalid.headers.location).toBe(`${server.url}/data/invalid_key.html`);
    const page = await get(`${server.url}/data/invalid_key.html`);
    expect(page.text).toContain('Invalid Key');
  });
});

describe('states page', () => {
  it('lists the 50 states in the first table and DC, PR and territories in the second', async () => {
    const response = await get(`${server.url}/abbreviations.htm`);
    expect(response.status).toBe(200);
    const $ = cheerio.load(response.text);
    const rows = (selector: string) =>
      $(selector)
        .find('tr')
        .toArray()
        .map((tr) =>
          $(tr)
            .find('td')
            .toArray()
            .map((td) => $(td).text()),
        )
        .filter((cells) => cells.length > 0);
    const states = rows('table[class="table table-hover"]');
    expect(states).toHaveLength(50);
    expect(states[0]).toEqual(['Alabama', 'AL', 'Ala.']);
    expect($('table[class="table table-hover"] th').first().text()).toBe('State');
    const territories = rows('table.has-fixed-layout');
    expect(territories.map((r) => r[1])).toEqual(expect.arrayContaining(['DC', 'PR', 'GU', 'VI']));
    const codes = new Set([...states, ...territories].map((r) => r[1]));
    for (const s of truth.states) expect(codes.has(s.code)).toBe(true);
  });
});
