import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { type FaultOptions, startSimulator } from '../../src/simulator/index.ts';
import { get, YELP_AUTH } from './http.ts';

const DATE = '2026-11-25';
const CENSUS = '/data/2019/pep/population?get=NAME,POP&for=county:*&in=state:01&key=sim-census-key';

async function withFaults<T>(faults: FaultOptions, fn: (url: string) => Promise<T>): Promise<T> {
  const server = await startSimulator({ businesses: 300, seed: 2, date: DATE, faults });
  try {
    return await fn(server.url);
  } finally {
    await server.close();
  }
}

describe('fault injection', () => {
  it('answers 500 INTERNAL_ERROR (Yelp) and a 500 text (Census) at errorRate 1', async () => {
    await withFaults({ errorRate: 1 }, async (url) => {
      const yelp = await get(`${url}/v3/categories`, YELP_AUTH);
      expect(yelp.status).toBe(500);
      expect(JSON.parse(yelp.text).error.code).toBe('INTERNAL_ERROR');
      expect(yelp.headers['ratelimit-remaining']).toBeDefined();
      const census = await get(`${url}${CENSUS}`);
      expect(census.status).toBe(500);
      expect(census.text).toMatch(/There was an error while running your query/);
    });
  });

  it('answers 429 TOO_MANY_REQUESTS_PER_SECOND at rateLimitRate 1', async () => {
    await withFaults({ rateLimitRate: 1 }, async (url) => {
      const response = await get(`${url}/v3/categories`, YELP_AUTH);
      expect(response.status).toBe(429);
      expect(JSON.parse(response.text).error.code).toBe('TOO_MANY_REQUESTS_PER_SECOND');
    });
  });

  it('truncates JSON bodies with status 200 at malformedRate 1', async () => {
    await withFaults({ malformedRate: 1 }, async (url) => {
      for (const path of ['/v3/categories', CENSUS]) {
        const response = await get(`${url}${path}`, YELP_AUTH);
        expect(response.status).toBe(200);
        expect(() => JSON.parse(response.text)).toThrow();
      }
      // Error answers and the HTML page stay intact.
      expect(JSON.parse((await get(`${url}/v3/categories`)).text).error.code).toBe('TOKEN_MISSING');
      expect((await get(`${url}/abbreviations.htm`)).text).toMatch(/<\/html>\s*$/);
    });
  });

  it('never answers at timeoutRate 1, and close() releases the held requests', async () => {
    const server = await startSimulator({ businesses: 50, seed: 2, date: DATE, faults: { timeoutRate: 1 } });
    const held = request(`${server.url}/v3/categories`, { headers: YELP_AUTH });
    const outcome = held.then(
      () => 'answered',
      () => 'failed',
    );
    const timedOut = request(`${server.url}/v3/categories`, { headers: YELP_AUTH, headersTimeout: 200 }).then(
      () => 'answered',
      (error: Error & { code?: string }) => error.code,
    );
    expect(await timedOut).toBe('UND_ERR_HEADERS_TIMEOUT');
    await server.close();
    expect(await outcome).toBe('failed');
    await server.close(); // idempotent
  });

  it('still answers correctly with added latency', async () => {
    await withFaults({ latencyMs: 30 }, async (url) => {
      const response = await get(`${url}/v3/categories`, YELP_AUTH);
      expect(response.status).toBe(200);
      expect(JSON.parse(response.text).categories.length).toBeGreaterThan(0);
    });
  });

  it('draws faults deterministically per (seed, request sequence)', async () => {
    const statuses = (seed: number) =>
      withFaults({ errorRate: 0.3, seed }, async (url) => {
        const out: number[] = [];
        for (let i = 0; i < 60; i++) out.push((await get(`${url}/v3/categories`, YELP_AUTH)).status);
        return out;
      });
    const first = await statuses(9);
    expect(await statuses(9)).toEqual(first);
    expect(await statuses(10)).not.toEqual(first);
    const errors = first.filter((s) => s === 500).length;
    expect(errors).toBeGreaterThan(5);
    expect(errors).toBeLessThan(40);
  });

  it('serves broken businesses without name and coordinates, every time', async () => {
    const probe = await startSimulator({ businesses: 300, seed: 2, date: DATE });
    const probeTruth = probe.world.truth(DATE);
    const victim = probeTruth.businesses[0]!;
    const county = probeTruth.counties.find((c) => c.fips === victim.countyFips)!;
    await probe.close();
    await withFaults({ brokenBusinessIds: [victim.id] }, async (url) => {
      for (let i = 0; i < 2; i++) {
        const details = JSON.parse((await get(`${url}/v3/businesses/${victim.id}`, YELP_AUTH)).text);
        expect(details.id).toBe(victim.id);
        expect(details).not.toHaveProperty('name');
        expect(details).not.toHaveProperty('coordinates');
      }
      const query = new URLSearchParams({ location: `${county.name}, ${victim.state}`, limit: '50' });
      const search = JSON.parse((await get(`${url}/v3/businesses/search?${query}`, YELP_AUTH)).text);
      const served = search.businesses.find((b: { id: string }) => b.id === victim.id);
      expect(served).toBeDefined();
      expect(served).not.toHaveProperty('name');
      expect(search.businesses.filter((b: object) => 'name' in b)).toHaveLength(search.businesses.length - 1);
    });
  });
});
