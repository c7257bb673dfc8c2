import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { listCategories, listStates } from '../queries/reference.ts';
import { json } from '../schema.ts';

const State = z.object({
  code: z.string(),
  name: z.string(),
  fipsCode: z.string().nullable(),
  population: z.number().int().nullable().describe('Sum of the latest county estimates'),
  populationYear: z.number().int().nullable(),
  countyCount: z.number().int(),
  businessCount: z.number().int(),
});

const Category = z.object({
  alias: z.string(),
  title: z.string(),
  parentAlias: z.string().nullable(),
  businessCount: z.number().int(),
});

/** Reference lists: bounded by nature (50-odd states, a few hundred categories), so not paged. */
export async function referenceRoutes(app: FastifyInstance) {
  app.get(
    '/states',
    {
      config: { cache: { tags: () => ['states'] } },
      schema: {
        tags: ['reference'],
        summary: 'States with population and business counts',
        response: { 200: json(z.object({ items: z.array(State) }), 'output') },
      },
    },
    async () => ({
      items: (await listStates(app.db)).map((s) => ({
        code: s.code,
        name: s.name,
        fipsCode: s.fips_code,
        population: s.population,
        populationYear: s.population_year,
        countyCount: s.county_count,
        businessCount: s.business_count,
      })),
    }),
  );

  app.get(
    '/categories',
    {
      config: { cache: { tags: () => ['categories'] } },
      schema: {
        tags: ['reference'],
        summary: 'Categories with the number of current businesses in each',
        response: { 200: json(z.object({ items: z.array(Category) }), 'output') },
      },
    },
    async () => ({
      items: (await listCategories(app.db)).map((c) => ({
        alias: c.alias,
        title: c.title,
        parentAlias: c.parent_alias,
        businessCount: c.business_count,
      })),
    }),
  );
}
