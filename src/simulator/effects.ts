/**
 * The structure planted in the simulated world: every effect that links place, category, price,
 * chain or transactions to where businesses are and how they are reviewed, each declared once with
 * its size. `docs/simulator.md` explains them; the analysis recovery tests check that the analyses
 * find exactly these (and nothing where an effect is declared as none).
 */

export type Region = 'northeast' | 'midwest' | 'south' | 'west';
export type PriceTier = '$' | '$$' | '$$$' | '$$$$';

/** Census regions (PR counts as south). */
const REGIONS: Record<Region, string[]> = {
  northeast: ['CT', 'ME', 'MA', 'NH', 'RI', 'VT', 'NJ', 'NY', 'PA'],
  midwest: ['IL', 'IN', 'MI', 'OH', 'WI', 'IA', 'KS', 'MN', 'MO', 'NE', 'ND', 'SD'],
  south: [
    'DE',
    'DC',
    'FL',
    'GA',
    'MD',
    'NC',
    'SC',
    'VA',
    'WV',
    'AL',
    'KY',
    'MS',
    'TN',
    'AR',
    'LA',
    'OK',
    'TX',
    'PR',
  ],
  west: ['AZ', 'CO', 'ID', 'MT', 'NV', 'NM', 'UT', 'WY', 'AK', 'CA', 'HI', 'OR', 'WA'],
};
const REGION_BY_STATE = new Map(
  Object.entries(REGIONS).flatMap(([region, codes]) => codes.map((code) => [code, region as Region])),
);

export function regionOf(stateCode: string): Region {
  return REGION_BY_STATE.get(stateCode) ?? 'south';
}

/** Placement: a county's weight is population × (population / 100k)^exponent × its state's factor. */
export const DENSITY = {
  /** Urban counties have more businesses per resident: 10 M people → 3.2× the per-capita density of 100k. */
  urbanExponent: 0.25,
  /** Per-state businesses per resident (tourism, eating out); states not listed: 1. */
  stateFactor: {
    NV: 2.0,
    HI: 1.9,
    FL: 1.5,
    CO: 1.4,
    OR: 1.3,
    NY: 1.2,
    MS: 0.55,
    WV: 0.55,
    AR: 0.6,
    AL: 0.65,
    KY: 0.7,
    PR: 0.45,
  } as Record<string, number>,
};

/** Multipliers on the top-level category weights (`TOP_LEVEL_WEIGHTS`) by region. */
export const REGIONAL_CATEGORY_MIX: Record<Region, Record<string, number>> = {
  northeast: { nightlife: 1.3, auto: 0.8 },
  midwest: { auto: 1.3, shopping: 1.2, active: 0.8 },
  south: { restaurants: 1.15, nightlife: 0.85 },
  west: { active: 1.6, food: 1.2, auto: 0.8 },
};

/** Share of businesses with no price at all (never priced), by whether they sell food and drink. */
export const NO_PRICE_SHARE = { eats: 0.12, other: 0.6 };

/** Price tier mix of priced businesses ($, $$, $$$, $$$$) by region. */
export const REGIONAL_PRICE_MIX: Record<Region, [number, number, number, number]> = {
  northeast: [0.28, 0.45, 0.18, 0.09],
  midwest: [0.42, 0.43, 0.11, 0.04],
  south: [0.45, 0.4, 0.11, 0.04],
  west: [0.3, 0.47, 0.16, 0.07],
};
/** A re-price (a new price version) moves one level up or down with this probability, else keeps the tier. */
export const REPRICE_MOVE = 0.3;

/**
 * Review volume: a business's starting review count and its daily review rate are both multiplied
 * by price × category × transaction multipliers (chains use their own `volume` instead).
 */
export const PRICE_VOLUME: Record<PriceTier | 'none', number> = {
  $: 1.6,
  $$: 1.0,
  $$$: 0.7,
  $$$$: 0.5,
  none: 0.6,
};
/** Price has no effect on the rating (the original's second finding), declared here as zero. */
export const PRICE_RATING: Record<PriceTier | 'none', number> = { $: 0, $$: 0, $$$: 0, $$$$: 0, none: 0 };

export const CATEGORY_VOLUME: Record<string, number> = {
  restaurants: 1.0,
  food: 1.0,
  nightlife: 1.2,
  shopping: 0.6,
  active: 0.8,
  beautysvc: 0.7,
  auto: 0.5,
};
/** Added to a business's quality (stars) by top-level category. */
export const CATEGORY_RATING: Record<string, number> = {
  restaurants: 0,
  food: 0.15,
  nightlife: 0.05,
  shopping: 0.1,
  active: 0.25,
  beautysvc: 0.1,
  auto: -0.4,
};

/**
 * Transactions: restaurants and food businesses offer a fixed number of transaction types (which
 * ones may change with a new version); each type multiplies review volume by this factor, the same
 * at every price level (no interaction).
 */
export const TRANSACTION_VOLUME = 1.4;
/** Probability of offering 0, 1, 2, 3 transaction types. */
export const TRANSACTION_COUNT_MIX: Record<'restaurants' | 'food', number[]> = {
  restaurants: [0.45, 0.2, 0.25, 0.1],
  food: [0.45, 0.25, 0.3],
};

/** Daily review activity (multiplies the daily review rate only) by state; states not listed: 1. */
export const STATE_ACTIVITY: Record<string, number> = {
  FL: 1.8,
  CA: 1.3,
  TX: 1.25,
  AZ: 1.2,
  NY: 0.7,
  IL: 0.85,
  OH: 0.85,
};

/**
 * Relative review growth by state: a yearly review season. Every business of these states has one
 * burst a season, on a day of its own among the season's `days` days from `from` (month, day),
 * adding `percent`% of its review count that day, rounded up. So a window of W ≤ `days` days
 * inside the season sees a share W / `days` of them rise by at least `percent`% (30 days: 50%);
 * outside it, none. Counts compound by (1 + percent/100) a year (2020–2026: 2.7×). Other states: none.
 */
export const REVIEW_SEASON = {
  states: ['PA', 'MI'],
  from: { month: 6, day: 1 },
  days: 60,
  percent: 15,
};

export interface Chain {
  name: string;
  /** Share of all businesses that are a location of this chain. */
  share: number;
  kind: 'restaurants' | 'food';
  category: string;
  price: PriceTier;
  transactions: string[];
  /** Mean quality (stars); locations spread ±0.4 around it. */
  quality: number;
  /** Review volume multiplier (replaces the price, category and transaction multipliers). */
  volume: number;
}

/**
 * Chains: many locations with one name, category, price and their own rating and review behaviour.
 * Pizza Hut and Domino's are deliberately identical in behaviour (a pair without difference).
 */
const PIZZA_HUT: Chain = {
  name: 'Pizza Hut',
  share: 0.015,
  kind: 'restaurants',
  category: 'pizza',
  price: '$',
  transactions: ['delivery', 'pickup'],
  quality: 2.9,
  volume: 1.0,
};

export const CHAINS: Chain[] = [
  {
    name: 'Subway',
    share: 0.05,
    kind: 'restaurants',
    category: 'sandwiches',
    price: '$',
    transactions: ['delivery', 'pickup'],
    quality: 3.1,
    volume: 0.5,
  },
  {
    name: "McDonald's",
    share: 0.04,
    kind: 'restaurants',
    category: 'burgers',
    price: '$',
    transactions: ['delivery', 'pickup'],
    quality: 2.4,
    volume: 2.5,
  },
  {
    name: 'Starbucks',
    share: 0.03,
    kind: 'food',
    category: 'coffee',
    price: '$$',
    transactions: ['delivery', 'pickup'],
    quality: 3.8,
    volume: 1.8,
  },
  {
    name: "Dunkin'",
    share: 0.02,
    kind: 'food',
    category: 'donuts',
    price: '$',
    transactions: ['delivery'],
    quality: 3.3,
    volume: 1.0,
  },
  PIZZA_HUT,
  { ...PIZZA_HUT, name: "Domino's" },
  {
    name: 'Taco Bell',
    share: 0.015,
    kind: 'restaurants',
    category: 'mexican',
    price: '$',
    transactions: ['delivery', 'pickup'],
    quality: 2.9,
    volume: 1.3,
  },
];
