import type { BusinessDayRow, BusinessWindowRow } from '../../src/analysis/data.ts';
import { addDays } from '../../src/common/dates.ts';
import { CATEGORIES } from '../../src/simulator/categories.ts';
import type { SimWorld } from '../../src/simulator/world.ts';

const parentOf = new Map(CATEGORIES.map((c) => [c.alias, c.parentAliases[0] ?? c.alias]));

/**
 * The rows the analyses read from the marts, worked out here straight from the simulator (its
 * businesses on every day of the window), so recovery tests can use several seeds without running
 * the pipeline. Only businesses open on every day of the window are kept. `daily: false` leaves
 * out the daily rows and reads only the window's two ends (a business opens once and closes for
 * good, so open on both ends is open on every day).
 */
export function worldRows(world: SimWorld, from: string, days: number, { daily = true } = {}) {
  const dates = Array.from({ length: days + 1 }, (_, k) => addDays(from, k));
  const read = daily ? dates : [dates[0]!, dates[days]!];
  const snapshots = read.map((d) => new Map([...world.businessesOn(d)].map((b) => [b.id, b])));
  const first = snapshots[0]!;
  const last = snapshots.at(-1)!;
  const kept = [...last.values()].filter((b) => snapshots.every((s) => s.has(b.id)));
  const locations = new Map<string, number>();
  for (const b of last.values()) locations.set(b.name, (locations.get(b.name) ?? 0) + 1);
  const business: BusinessWindowRow[] = kept.map((b) => ({
    business_id: world.indexOf(b.id),
    yelp_id: b.id,
    state_code: b.state,
    payment_level: b.price === null ? null : b.price.length,
    category_group: parentOf.get(b.categories[0]!.alias)!,
    chain_name: (locations.get(b.name) ?? 0) >= 10 ? b.name : null,
    transaction_count: b.transactions.length,
    rating: b.rating,
    first_review_count: first.get(b.id)!.reviewCount,
    last_review_count: b.reviewCount,
    days,
  }));
  const window = { from, to: dates[days]! };
  if (!daily) return { window, business, daily: [] as BusinessDayRow[] };
  const dayRows: BusinessDayRow[] = business.flatMap((row) =>
    dates.slice(1).map((_, k) => ({
      business_id: row.business_id,
      yelp_id: row.yelp_id,
      state_code: row.state_code,
      chain_name: row.chain_name,
      reviews_gained:
        snapshots[k + 1]!.get(row.yelp_id)!.reviewCount - snapshots[k]!.get(row.yelp_id)!.reviewCount,
    })),
  );
  return { window, business, daily: dayRows };
}

/** The simulator's own daily review rate of a business: the planted truth behind review growth. */
export function plantedRate(world: SimWorld, yelpId: string): number {
  return world.profile(world.indexOf(yelpId)).rate;
}
