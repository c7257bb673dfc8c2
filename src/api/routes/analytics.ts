import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { loadProject } from '../../warehouse/project.ts';
import { type Distribution, distribution } from '../queries/distribution.ts';
import { IsoDate, json } from '../schema.ts';

const query = (name: string) =>
  readFileSync(new URL(`../queries/analytics/${name}.sql`, import.meta.url), 'utf8');
const SEGMENTS = query('segments');

const Built = z.boolean().describe('false until the warehouse has been built: run `gourmand run`');
const cached = { cache: { tags: () => ['analytics'] } };
const tags = ['analytics'];

const Overview = z.object({
  built: Built,
  openBusinesses: z.number().int(),
  closedBusinesses: z.number().int(),
  reviews: z.number().int(),
  holdingDates: z.number().int(),
  firstHoldingDate: z.string().nullable(),
  lastHoldingDate: z.string().nullable(),
  countiesWithBusinesses: z.number().int(),
});

const PerCapita = {
  population: z.number().nullable().describe('Latest Census estimate, summed over counties'),
  businesses: z.number().int().describe('Current open businesses'),
  reviews: z.number().int().describe('Current reviews of those businesses'),
  businessesPer100k: z.number().nullable(),
  reviewsPer100k: z.number().nullable(),
};
const StateRow = z.object({ stateCode: z.string(), stateName: z.string(), ...PerCapita });
const CountyRow = z.object({
  countyFips: z.string(),
  countyName: z.string(),
  stateCode: z.string(),
  ...PerCapita,
});

const Dist = z.object({
  n: z.number().int(),
  min: z.number().nullable(),
  q1: z.number().nullable(),
  median: z.number().nullable(),
  q3: z.number().nullable(),
  max: z.number().nullable(),
  medianLow: z.number().nullable().describe('95 % bootstrap interval of the median, low end'),
  medianHigh: z.number().nullable(),
});
const SegmentsQuery = z.object({
  from: IsoDate.optional().describe('First holding date of the window (default: the first loaded)'),
  to: IsoDate.optional().describe('Last holding date of the window (default: the last loaded)'),
  state: z
    .string()
    .regex(/^[A-Z]{2}$/)
    .optional()
    .describe('USPS state code, e.g. NC'),
  category: z.string().min(1).max(100).optional().describe('Category alias'),
});
type SegmentsQuery = z.infer<typeof SegmentsQuery>;

const Lineage = z.object({
  nodes: z.array(z.object({ name: z.string(), layer: z.string(), materialized: z.string() })),
  edges: z.array(z.object({ from: z.string(), to: z.string() })),
});

const emptyOverview = {
  built: false,
  openBusinesses: 0,
  closedBusinesses: 0,
  reviews: 0,
  holdingDates: 0,
  firstHoldingDate: null,
  lastHoldingDate: null,
  countiesWithBusinesses: 0,
};

type PerCapitaRow = {
  population: number | null;
  businesses: number;
  reviews: number;
  businesses_per_100k: number | null;
  reviews_per_100k: number | null;
};
const perCapita = (row: PerCapitaRow) => ({
  population: row.population === null ? null : Number(row.population),
  businesses: row.businesses,
  reviews: row.reviews,
  businessesPer100k: row.businesses_per_100k,
  reviewsPer100k: row.reviews_per_100k,
});

const text = (value: unknown) => (value === null || value === undefined ? null : String(value));

/**
 * The figures of the web pages and the report, read read-only from the warehouse marts (one
 * definition of each, in `src/warehouse/models/marts`). Cached like every public GET; the
 * pipeline's `invalidate_api_cache` drops them after a load.
 */
export async function analyticsRoutes(app: FastifyInstance) {
  const wh = app.warehouse;
  // The pipeline drops the cache after the source loads, before the warehouse build: answers
  // cached in between are dropped here once the build has written the warehouse.
  let seen = wh.version();
  app.addHook('onRequest', async () => {
    const now = wh.version();
    if (now === seen) return;
    seen = now;
    await app.cache.invalidate(['analytics']);
  });

  app.get(
    '/overview',
    {
      config: cached,
      schema: {
        tags,
        summary: 'What the warehouse holds: dates, open/closed businesses, reviews (mart rpt_overview)',
        response: { 200: json(Overview, 'output') },
      },
    },
    async () => {
      const rows = await wh.query<Record<string, number | string | null>>(
        `select * replace (cast(first_holding_date as varchar) as first_holding_date,
                           cast(last_holding_date as varchar) as last_holding_date)
         from marts.rpt_overview`,
      );
      const row = rows?.[0];
      if (!row) return emptyOverview;
      return {
        built: true,
        openBusinesses: Number(row.open_businesses),
        closedBusinesses: Number(row.closed_businesses),
        reviews: Number(row.reviews),
        holdingDates: Number(row.holding_dates),
        firstHoldingDate: text(row.first_holding_date),
        lastHoldingDate: text(row.last_holding_date),
        countiesWithBusinesses: Number(row.counties_with_businesses),
      };
    },
  );

  app.get(
    '/states',
    {
      config: cached,
      schema: {
        tags,
        summary: 'Per state: population, businesses and reviews, per 100,000 (mart rpt_state_per_capita)',
        response: { 200: json(z.object({ built: Built, items: z.array(StateRow) }), 'output') },
      },
    },
    async () => {
      const rows = await wh.query<PerCapitaRow & { state_code: string; state_name: string }>(
        'select * from marts.rpt_state_per_capita order by state_code',
      );
      return {
        built: rows !== null,
        items: (rows ?? []).map((r) => ({
          stateCode: r.state_code,
          stateName: r.state_name,
          ...perCapita(r),
        })),
      };
    },
  );

  app.get(
    '/counties',
    {
      config: cached,
      schema: {
        tags,
        summary: 'Per county: population, businesses and reviews, per 100,000 (mart rpt_county_per_capita)',
        response: { 200: json(z.object({ built: Built, items: z.array(CountyRow) }), 'output') },
      },
    },
    async () => {
      const rows = await wh.query<
        PerCapitaRow & { county_fips_code: string; county_name: string; state_code: string }
      >('select * from marts.rpt_county_per_capita order by county_fips_code');
      return {
        built: rows !== null,
        items: (rows ?? []).map((r) => ({
          countyFips: r.county_fips_code,
          countyName: r.county_name,
          stateCode: r.state_code,
          ...perCapita(r),
        })),
      };
    },
  );

  app.get(
    '/locations',
    {
      config: cached,
      schema: {
        tags,
        summary: 'Coordinates of the current open businesses (mart rpt_business_location)',
        response: {
          200: json(
            z.object({
              built: Built,
              count: z.number().int(),
              points: z.array(z.array(z.number())).describe('[longitude, latitude] pairs'),
            }),
            'output',
          ),
        },
      },
    },
    async () => {
      const rows = await wh.query<{ longitude: number; latitude: number }>(
        'select cast(longitude as double) as longitude, cast(latitude as double) as latitude from marts.rpt_business_location order by business_id',
      );
      const points = (rows ?? []).map((r) => [r.longitude, r.latitude]);
      return { built: rows !== null, count: points.length, points };
    },
  );

  app.get(
    '/segments',
    {
      config: cached,
      schema: {
        tags,
        summary: 'Payment level against rating, review count and review growth per day over a window',
        description:
          'Per payment level, over the businesses with holdings in the window: five-number summaries and 95 % bootstrap intervals of the median (1,000 resamples, fixed seed) of the last rating, the last review count and (last review count − first) / days. Mart rpt_business_segment.',
        querystring: json(SegmentsQuery),
        response: {
          200: json(
            z.object({
              built: Built,
              from: z.string().nullable(),
              to: z.string().nullable(),
              levels: z.array(
                z.object({
                  paymentLevel: z.string(),
                  businesses: z.number().int(),
                  rating: Dist,
                  reviewCount: Dist,
                  growthPerDay: Dist,
                }),
              ),
            }),
            'output',
          ),
        },
      },
    },
    async (request) => {
      const q = request.query as SegmentsQuery;
      const range = await wh.query<{ first: unknown; last: unknown }>(
        'select cast(first_holding_date as varchar) as first, cast(last_holding_date as varchar) as last from marts.rpt_overview',
      );
      const from = q.from ?? text(range?.[0]?.first);
      const to = q.to ?? text(range?.[0]?.last);
      if (!range || !from || !to) return { built: range !== null, from: null, to: null, levels: [] };
      const rows = await wh.query<{
        payment_level_symbol: string;
        businesses: number;
        ratings: number[];
        review_counts: number[];
        growth: number[] | null;
      }>(SEGMENTS, { from, to, state: q.state ?? '', category: q.category ?? '' });
      const summary = (values: number[] | null): Distribution => distribution(values ?? []);
      return {
        built: true,
        from,
        to,
        levels: (rows ?? []).map((r) => ({
          paymentLevel: r.payment_level_symbol,
          businesses: r.businesses,
          rating: summary(r.ratings),
          reviewCount: summary(r.review_counts),
          growthPerDay: summary(r.growth),
        })),
      };
    },
  );

  const lineage = (() => {
    const project = loadProject();
    const nodes = [...project.models.values()].map((m) => ({
      name: m.name,
      layer: m.layer,
      materialized: m.config.materialized,
    }));
    const edges = [...project.models.values()].flatMap((m) => [
      ...m.sources.map((s) => ({ from: `lake.${s}`, to: m.name })),
      ...m.refs.map((r) => ({ from: r, to: m.name })),
    ]);
    const sources = [...new Set(edges.filter((e) => e.from.startsWith('lake.')).map((e) => e.from))];
    return {
      nodes: [...sources.map((name) => ({ name, layer: 'lake', materialized: 'parquet' })), ...nodes],
      edges,
    };
  })();
  app.get(
    '/lineage',
    {
      schema: {
        tags,
        summary: 'The warehouse model lineage (the graph `gourmand warehouse graph` prints)',
        response: { 200: json(Lineage, 'output') },
      },
    },
    async () => lineage,
  );
}
