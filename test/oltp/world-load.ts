import type { SourceDatabase } from '../../src/oltp/database.ts';
import { loadGeography } from '../../src/oltp/load/geography.ts';
import { withLoadTransaction } from '../../src/oltp/load/session.ts';
import { loadYelp, type YelpLoadInput } from '../../src/oltp/load/yelp.ts';
import {
  type GroundTruth,
  type SimWorld,
  yelpBusinessJson,
  yelpEventJson,
  yelpReviewJson,
} from '../../src/simulator/index.ts';
import type { CategoryLine, YelpLine } from '../../src/sources/yelp-pull.ts';

/**
 * A date's pull as the simulator world describes it (every open business, its reviews, the day's
 * events, every business closed by then), without the HTTP round trips: load semantics only.
 */
export function worldPull(truth: GroundTruth): YelpLoadInput {
  const lines: YelpLine[] = [
    ...truth.businesses.map(
      (b): YelpLine => ({ t: 'business', county: b.countyFips, r: yelpBusinessJson(b, false, true) }),
    ),
    ...truth.reviews.map((r): YelpLine => ({ t: 'review', business: r.businessId, r: yelpReviewJson(r) })),
    ...truth.events.map((e): YelpLine => ({ t: 'event', county: e.countyFips, r: yelpEventJson(e) })),
    ...truth.closedBusinesses.map((c): YelpLine => ({ t: 'closed', county: '', id: c.id })),
  ];
  const categories = truth.categories.map(
    (c): CategoryLine => ({
      t: 'category',
      r: { alias: c.alias, title: c.title, parent_aliases: c.parentAliases },
    }),
  );
  return { lines, categories };
}

/** Loads the world's geography and Yelp pull of `date`, each in its own load transaction. */
export async function loadWorldDay(database: SourceDatabase, world: SimWorld, date: string) {
  const truth = world.truth(date);
  const stateName = new Map(truth.states.map((s) => [s.fips, s.name]));
  await withLoadTransaction(database, (session) =>
    loadGeography(session, date, {
      states: truth.states.map((s) => ({ name: s.name, code: s.code })),
      counties: truth.counties.map((c) => ({
        fips: c.fips,
        name: c.name,
        stateFips: c.stateFips,
        stateName: stateName.get(c.stateFips) ?? '',
      })),
      population: truth.countyPopulation,
      quarantined: [],
    }),
  );
  return withLoadTransaction(database, (session) => loadYelp(session, date, worldPull(truth)));
}
