import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiContext, createApiContext } from './support.ts';

/** Before any warehouse build: the analytics routes answer empty, saying so; the docs describe them. */
describe('analytics routes without a warehouse', () => {
  let ctx: ApiContext;
  beforeAll(async () => {
    ctx = await createApiContext('pglite', 'memory');
  });
  afterAll(async () => {
    await ctx?.close();
  });

  it.each([
    '/analytics/overview',
    '/analytics/states',
    '/analytics/counties',
    '/analytics/locations',
    '/analytics/segments',
  ])('%s answers built: false', async (url) => {
    const response = await ctx.app.inject({ method: 'GET', url });
    expect(response.statusCode).toBe(200);
    expect(response.json().built).toBe(false);
    expect(response.headers['x-cache']).toBe('miss');
  });

  it('the OpenAPI document lists the analytics routes and the OAuth2 password flow', async () => {
    const doc = (await ctx.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/analytics/overview',
        '/analytics/segments',
        '/analytics/pipeline/runs/{id}',
        '/analytics/lineage',
      ]),
    );
    expect(doc.components.securitySchemes.oauth2Password.flows.password.tokenUrl).toBe('/auth/login');
  });

  it('pages and the security policy: HTML shells, no upgrade to HTTPS, the old dashboard address redirects', async () => {
    const home = await ctx.app.inject({ method: 'GET', url: '/' });
    expect(home.statusCode).toBe(200);
    expect(home.headers['content-type']).toContain('text/html');
    expect(home.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
    const docs = await ctx.app.inject({ method: 'GET', url: '/docs/static/index.html' });
    expect(String(docs.headers['content-security-policy'] ?? '')).not.toContain('upgrade-insecure-requests');
    const old = await ctx.app.inject({ method: 'GET', url: '/dashboard?run=7' });
    expect([old.statusCode, old.headers.location]).toEqual([301, '/pipeline?run=7']);
    const lineage = (await ctx.app.inject({ method: 'GET', url: '/analytics/lineage' })).json();
    expect(lineage.edges).toContainEqual({ from: 'dim_business', to: 'rpt_business_segment' });
  });
});
