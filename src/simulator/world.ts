/**
 * The simulated world. Every attribute of business `i` is a closed-form function of
 * (seed, i, day number since EPOCH): opening and closing days are drawn once, review counts grow
 * along a per-business rate, ratings drift with the review count, and name, phone, price,
 * categories and transactions change on hash-chosen days (each has a "version" that advances
 * every `period` days from a random offset). So any day costs O(size), with no replay.
 */
import { CATEGORIES, type Category, LEAVES, TOP_LEVEL, TOP_LEVEL_WEIGHTS } from './categories.ts';
import {
  CATEGORY_RATING,
  CATEGORY_VOLUME,
  CHAINS,
  type Chain,
  DENSITY,
  NO_PRICE_SHARE,
  PRICE_RATING,
  PRICE_VOLUME,
  type PriceTier,
  REGIONAL_CATEGORY_MIX,
  REGIONAL_PRICE_MIX,
  REPRICE_MOVE,
  REVIEW_SEASON,
  regionOf,
  STATE_ACTIVITY,
  TRANSACTION_COUNT_MIX,
  TRANSACTION_VOLUME,
} from './effects.ts';
import { type County, countyPopulations, geography } from './geo.ts';
import { choose, fmix32, hash, opaqueId, opaqueIndex, pick, slug, unit, weightedIndex } from './hash.ts';
import type { GroundTruth, TruthBusiness, TruthEvent, TruthReview, World } from './types.ts';
import {
  ADJECTIVES,
  AREA_CODES,
  EVENT_CATEGORIES,
  EVENT_NAMES,
  FIRST_NAMES,
  LAST_NAMES,
  NOUNS,
  REVIEW_BODIES,
  REVIEW_OPENERS,
  STREET_SUFFIXES,
  STREETS,
} from './words.ts';

export const EPOCH = '2020-01-01';
const DAY_MS = 86_400_000;
const EPOCH_MS = Date.parse(`${EPOCH}T00:00:00Z`);

/** Days since EPOCH of a 'YYYY-MM-DD' date. */
export function dayNumber(date: string): number {
  const ms = Date.parse(`${date}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(ms)) throw new Error(`invalid date "${date}"`);
  return Math.round((ms - EPOCH_MS) / DAY_MS);
}

export function dayDate(day: number): string {
  return new Date(EPOCH_MS + day * DAY_MS).toISOString().slice(0, 10);
}

// Salts: one per drawn attribute, so attributes are independent.
const S = {
  county: 1,
  zip: 2,
  kind: 3,
  open: 4,
  openDay: 5,
  close: 6,
  base: 7,
  rate: 8,
  phase: 9,
  quality: 10,
  ratingNoise: 11,
  name: 12,
  phone: 13,
  price: 14,
  categories: 15,
  transactions: 16,
  address: 17,
  coords: 18,
  image: 19,
  reviewRating: 20,
  reviewTime: 21,
  reviewUser: 22,
  reviewText: 23,
  event: 24,
  hours: 25,
  chain: 26,
  tier: 27,
  transactionCount: 28,
  season: 29,
} as const;
// Id kinds for opaqueId.
const K = { business: 1, review: 2, user: 3, photo: 4, client: 5, userPhoto: 6, eventPhoto: 7 } as const;

/** Share of businesses that already exist at EPOCH; the rest open on a uniform day of OPENING_SPAN. */
const PRE_EPOCH_SHARE = 0.65;
const OPENING_SPAN = 3650;
/** Daily probability that an open business closes for good (~5% a year). */
const CLOSE_PER_DAY = 0.00014;
/** [min, spread] of the days between two changes of an attribute. */
const PERIODS = {
  name: [3000, 6000],
  phone: [2500, 5500],
  price: [1500, 3500],
  categories: [2000, 5000],
  transactions: [1000, 3000],
} as const;
type Versioned = keyof typeof PERIODS;
const VERSION_SALTS: Record<Versioned, number> = {
  name: 100,
  phone: 101,
  price: 102,
  categories: 103,
  transactions: 104,
};
/** Events per week per 150 businesses; a day serves the events starting in the next EVENT_HORIZON days. */
const EVENT_HORIZON = 28;

const PRICES = ['$', '$$', '$$$', '$$$$'] as const;
const TRANSACTIONS = ['pickup', 'delivery', 'restaurant_reservation'] as const;

/** Static facts of one business (independent of the day). */
interface Profile {
  index: number;
  id: string;
  county: County;
  zipIndex: number;
  kind: string;
  /** The chain this business is a location of, or null for an independent business. */
  chain: Chain | null;
  /** Price tier (the price of most versions; null: never priced). */
  tier: PriceTier | null;
  /** Number of transaction types offered (fixed; which ones may change). */
  transactionCount: number;
  openDay: number;
  closeDay: number;
  /** First day reviews accrue from (max(openDay, 0)). */
  start: number;
  base: number;
  rate: number;
  phase: number;
  /** Day of its yearly review-season burst within the season (REVIEW_SEASON), or null: none. */
  seasonDay: number | null;
  quality: number;
}

export type BusinessStatus = 'open' | 'closed' | 'unopened';

export class SimWorld implements World {
  readonly seed: number;
  readonly size: number;
  readonly clientId: string;
  private readonly countyOf: Int32Array;
  /** Business indexes grouped by county: members of county c are byCounty[countyStart[c] .. countyStart[c+1]). */
  private readonly countyStart: Int32Array;
  private readonly byCounty: Int32Array;
  private readonly placementWeights: Float64Array;
  private readonly geo = geography();
  /** Slugs of names and cities recur a lot (a plain Map, emptied when large: cheaper than an LRU). */
  private readonly slugs = new Map<string, string>();

  constructor(options: { businesses: number; seed: number }) {
    if (!Number.isInteger(options.businesses) || options.businesses < 0) {
      throw new Error(`businesses must be a whole number, got ${options.businesses}`);
    }
    this.seed = options.seed >>> 0;
    this.size = options.businesses;
    this.clientId = opaqueId(this.seed, K.client, 0);
    const { counties } = this.geo;
    // Businesses land in counties by 2019 population, denser in big counties and some states (DENSITY).
    const population = countyPopulations(12);
    this.placementWeights = new Float64Array(counties.length);
    let total = 0;
    counties.forEach((c, i) => {
      const people = population[i]!;
      const weight =
        people * (people / 100_000) ** DENSITY.urbanExponent * (DENSITY.stateFactor[c.state.code] ?? 1);
      total += c.zips.length > 0 ? weight : 0;
      this.placementWeights[i] = total;
    });
    this.countyOf = new Int32Array(this.size);
    const counts = new Int32Array(counties.length + 1);
    for (let i = 0; i < this.size; i++) {
      const c = weightedIndex(this.placementWeights, unit(this.seed, i, S.county));
      this.countyOf[i] = c;
      counts[c + 1]!++;
    }
    for (let c = 0; c < counties.length; c++) counts[c + 1]! += counts[c]!;
    this.countyStart = counts.slice();
    this.byCounty = new Int32Array(this.size);
    const next = counts.slice();
    for (let i = 0; i < this.size; i++) this.byCounty[next[this.countyOf[i]!]!++] = i;
  }

  // ---- static profile -------------------------------------------------------------------------

  profile(i: number): Profile {
    const seed = this.seed;
    const county = this.geo.counties[this.countyOf[i]!]!;
    const zipIndex = county.zips[pick(county.zips.length, seed, i, S.zip)]!;
    const region = regionOf(county.state.code);
    const chain = pickChain(unit(seed, i, S.chain));
    const kind = chain?.kind ?? pickKind(region, unit(seed, i, S.kind));
    const eats = kind === 'restaurants' || kind === 'food' || kind === 'nightlife';
    const tier: PriceTier | null = chain
      ? chain.price
      : unit(seed, i, S.tier) < (eats ? NO_PRICE_SHARE.eats : NO_PRICE_SHARE.other)
        ? null
        : PRICES[cumulativePick(REGIONAL_PRICE_MIX[region], unit(seed, i, S.tier, 1))]!;
    const transactionCount = chain
      ? chain.transactions.length
      : kind === 'restaurants' || kind === 'food'
        ? cumulativePick(TRANSACTION_COUNT_MIX[kind], unit(seed, i, S.transactionCount))
        : 0;
    // Review volume (starting count and daily rate) and daily activity: the declared effects.
    const volume = chain
      ? chain.volume
      : PRICE_VOLUME[tier ?? 'none'] * CATEGORY_VOLUME[kind]! * TRANSACTION_VOLUME ** transactionCount;
    const activity = STATE_ACTIVITY[county.state.code] ?? 1;
    const preEpoch = unit(seed, i, S.open) < PRE_EPOCH_SHARE;
    const openDay = preEpoch ? -1 - pick(3650, seed, i, S.openDay) : pick(OPENING_SPAN, seed, i, S.openDay);
    const start = Math.max(openDay, 0);
    const u = unit(seed, i, S.close);
    const closeDay = start + 1 + Math.floor(Math.log1p(-u) / Math.log1p(-CLOSE_PER_DAY));
    // Heavy-tailed review counts (Pareto-like): median ~4 at volume 1, 1% above ~200.
    const x = 1 / (1 - 0.9999 * unit(seed, i, S.base));
    const scale = preEpoch ? 1 + 4 * (x ** 0.85 - 1) : 1 + 3 * unit(seed, i, S.base);
    const base = Math.max(1, Math.round(scale * volume));
    const rate = Math.min(1.5, (0.001 + 0.01 * unit(seed, i, S.rate)) * (1 + scale / 40) * volume * activity);
    const quality = chain
      ? chain.quality + 0.8 * (unit(seed, i, S.quality) - 0.5)
      : 4.7 - 3.2 * unit(seed, i, S.quality) ** 1.8 + CATEGORY_RATING[kind]! + PRICE_RATING[tier ?? 'none'];
    return {
      index: i,
      id: opaqueId(seed, K.business, i),
      county,
      zipIndex,
      kind,
      chain,
      tier,
      transactionCount,
      openDay,
      closeDay,
      start,
      base,
      rate,
      phase: unit(seed, i, S.phase),
      seasonDay: REVIEW_SEASON.states.includes(county.state.code)
        ? pick(REVIEW_SEASON.days, seed, i, S.season)
        : null,
      quality,
    };
  }

  status(p: Profile, day: number): BusinessStatus {
    if (day < p.openDay) return 'unopened';
    return day < p.closeDay ? 'open' : 'closed';
  }

  /** The business index of a Yelp id or alias, or -1. */
  indexOf(idOrAlias: string): number {
    const byId = opaqueIndex(idOrAlias, this.seed, K.business);
    if (byId >= 0 && byId < this.size) return byId;
    const match = /-(\d+)$/.exec(idOrAlias);
    if (!match) return -1;
    const i = Number(match[1]) - 1;
    if (!(i >= 0 && i < this.size)) return -1;
    return this.business(this.profile(i), Math.max(0, this.profile(i).start)).alias === idOrAlias ? i : -1;
  }

  // ---- day-dependent attributes ---------------------------------------------------------------

  private version(p: Profile, attribute: Versioned, day: number): number {
    const [min, spread] = PERIODS[attribute];
    const salt = VERSION_SALTS[attribute];
    const period = min + pick(spread, this.seed, p.index, salt);
    const offset = pick(period, this.seed, p.index, salt, 1);
    return Math.floor((day + offset) / period);
  }

  reviewCount(p: Profile, day: number): number {
    const d = Math.min(day, p.closeDay - 1);
    if (d < p.start) return p.base;
    return this.steadyCount(p, d) + (p.seasonDay === null ? 0 : this.seasonReviews(p, p.seasonDay, d));
  }

  /** The review count from the base and the daily rate alone, on a day from `start` on. */
  private steadyCount(p: Profile, d: number): number {
    return p.base + Math.floor(p.rate * (d - p.start) + p.phase);
  }

  /**
   * Reviews added up to day `d` by the yearly season bursts from `start` on: each adds
   * REVIEW_SEASON.percent of the count that day, rounded up (integer arithmetic, so 20 gains
   * exactly 3). O(years).
   */
  private seasonReviews(p: Profile, seasonDay: number, d: number): number {
    let added = 0;
    for (let year = new Date(EPOCH_MS + p.start * DAY_MS).getUTCFullYear(); ; year++) {
      const burst = seasonStart(year) + seasonDay;
      if (burst > d) return added;
      if (burst >= p.start) {
        added += Math.ceil(((this.steadyCount(p, burst) + added) * REVIEW_SEASON.percent) / 100);
      }
    }
  }

  /** The first day from `start` on with at least k reviews (k above the base). */
  private reviewDay(p: Profile, k: number): number {
    // The steady curve alone reaches k on this day; season bursts only bring it earlier.
    let hi = p.start + Math.max(0, Math.ceil((k - p.base - p.phase) / p.rate));
    if (p.seasonDay === null) return hi;
    let lo = p.start;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.reviewCount(p, mid) >= k) hi = mid;
      else lo = mid + 1;
    }
    return hi;
  }

  rating(p: Profile, count: number): number {
    const noise = (unit(this.seed, p.index, S.ratingNoise, count) - 0.5) * (2 / Math.sqrt(count));
    return Math.min(5, Math.max(1, Math.round((p.quality + noise) * 2) / 2));
  }

  private name(p: Profile, version: number): string {
    if (p.chain) return p.chain.name;
    const seed = this.seed;
    const leaf = this.primaryCategory(p);
    const owner = choose(FIRST_NAMES, seed, p.index, S.name, version, 1);
    const adjective = choose(ADJECTIVES, seed, p.index, S.name, version, 2);
    const noun = choose(NOUNS, seed, p.index, S.name, version, 3);
    switch (pick(5, seed, p.index, S.name, version, 4)) {
      case 0:
        return `${owner}'s ${leaf.title.replace(/ \(.*\)$/, '')}`;
      case 1:
        return `The ${adjective} ${noun}`;
      case 2:
        return `${adjective} ${leaf.title.split(' ')[0]} ${noun}`;
      case 3:
        return `${p.county.name.replace(/ (County|Parish|Borough|Municipio|city|Census Area)$/, '')} ${leaf.title.split(' ')[0]} Co.`;
      default:
        return `${owner} & ${choose(LAST_NAMES, seed, p.index, S.name, version, 5)}`;
    }
  }

  private primaryCategory(p: Profile): Category {
    if (p.chain) return LEAVES[p.kind]!.find((c) => c.alias === p.chain!.category)!;
    return choose(LEAVES[p.kind]!, this.seed, p.index, S.categories);
  }

  private categories(p: Profile, day: number): Category[] {
    const v = this.version(p, 'categories', day);
    const primary = this.primaryCategory(p);
    if (p.chain) return [primary];
    const leaves = LEAVES[p.kind]!;
    const extra = pick(3, this.seed, p.index, S.categories, v);
    const out = [primary];
    for (let k = 0; k < extra; k++) {
      const c = choose(leaves, this.seed, p.index, S.categories, v, k + 1);
      if (!out.includes(c)) out.push(c);
    }
    return out;
  }

  /** `transactionCount` types; a new version may pick different ones (reservations: restaurants only). */
  private transactions(p: Profile, day: number): string[] {
    if (p.chain) return TRANSACTIONS.filter((t) => p.chain!.transactions.includes(t));
    if (p.transactionCount === 0) return [];
    const offered = p.kind === 'restaurants' ? TRANSACTIONS : TRANSACTIONS.slice(0, 2);
    const v = this.version(p, 'transactions', day);
    const order = offered
      .map((t, k) => [t, unit(this.seed, p.index, S.transactions, v, k)] as const)
      .sort((a, b) => a[1] - b[1]);
    return order
      .slice(0, p.transactionCount)
      .map(([t]) => t)
      .sort((a, b) => TRANSACTIONS.indexOf(a) - TRANSACTIONS.indexOf(b));
  }

  /** The tier, or one level off it on some versions (REPRICE_MOVE); never-priced stays null. */
  private price(p: Profile, day: number): TruthBusiness['price'] {
    if (p.tier === null || p.chain) return p.tier;
    const v = this.version(p, 'price', day);
    const u = unit(this.seed, p.index, S.price, v);
    const tier = PRICES.indexOf(p.tier);
    if (u >= REPRICE_MOVE) return p.tier;
    const moved = u < REPRICE_MOVE / 2 ? tier - 1 : tier + 1;
    return PRICES[Math.min(3, Math.max(0, moved))]!;
  }

  private phone(p: Profile, day: number): { phone: string; displayPhone: string } {
    const v = this.version(p, 'phone', day);
    if (unit(this.seed, p.index, S.phone, v) < 0.04) return { phone: '', displayPhone: '' };
    const h = hash(this.seed, p.index, S.phone, v, 1);
    const codes = AREA_CODES[p.county.state.code]!;
    const area = codes[h % codes.length]!;
    const exchange = 200 + (Math.floor(h / codes.length) % 800);
    const line = String(hash(this.seed, p.index, S.phone, v, 2) % 10000).padStart(4, '0');
    return { phone: `+1${area}${exchange}${line}`, displayPhone: `(${area}) ${exchange}-${line}` };
  }

  /** A street address and exact coordinates near the ZIP's point. */
  private address(entity: number, zipIndex: number) {
    const zip = this.geo.zips[zipIndex]!;
    const seed = this.seed;
    const number = 1 + pick(9999, seed, entity, S.address);
    const street = `${choose(STREETS, seed, entity, S.address, 1)} ${choose(STREET_SUFFIXES, seed, entity, S.address, 2)}`;
    const unitRoll = unit(seed, entity, S.address, 3);
    const address2 =
      unitRoll < 0.15
        ? `Ste ${100 + pick(400, seed, entity, S.address, 4)}`
        : unitRoll < 0.2
          ? `Unit ${1 + pick(30, seed, entity, S.address, 4)}`
          : unitRoll < 0.6
            ? ''
            : null;
    return {
      address1: `${number} ${street}`,
      address2,
      address3: unit(seed, entity, S.address, 5) < 0.5 ? '' : null,
      city: zip.city,
      zipCode: zip.zip,
      latitude: zip.latitude + (unit(seed, entity, S.coords, 1) - 0.5) * 0.04,
      longitude: zip.longitude + (unit(seed, entity, S.coords, 2) - 0.5) * 0.04,
    };
  }

  /** The business as search returns it on `day` (its last open day's state once closed). */
  business(p: Profile, day: number): TruthBusiness {
    const d = Math.min(Math.max(day, p.openDay), p.closeDay - 1);
    const nameVersion = this.version(p, 'name', d);
    const firstVersion = this.version(p, 'name', p.start);
    const name = this.name(p, nameVersion);
    // The alias keeps the first name: Yelp does not re-slug a renamed business.
    const firstName = firstVersion === nameVersion ? name : this.name(p, firstVersion);
    const alias = `${this.slug(firstName)}-${this.slug(this.geo.zips[p.zipIndex]!.city)}-${p.index + 1}`;
    const count = this.reviewCount(p, d);
    const address = this.address(p.index, p.zipIndex);
    const imageRoll = hash(this.seed, p.index, S.image);
    return {
      id: p.id,
      alias,
      name,
      url: `https://www.yelp.com/biz/${encodeURI(alias)}?adjust_creative=${this.clientId}&utm_campaign=yelp_api_v3&utm_medium=api_v3_business_search&utm_source=${this.clientId}`,
      imageUrl:
        imageRoll % 100 < 8
          ? ''
          : `https://s3-media${1 + (imageRoll % 4)}.fl.yelpcdn.com/bphoto/${opaqueId(this.seed, K.photo, p.index)}/o.jpg`,
      ...this.phone(p, d),
      price: this.price(p, d),
      rating: this.rating(p, count),
      reviewCount: count,
      categories: this.categories(p, d).map(({ alias: a, title }) => ({ alias: a, title })),
      transactions: this.transactions(p, d),
      ...address,
      country: 'US',
      state: p.county.state.code,
      countyFips: p.county.fips,
      distance: haversine(p.county.latitude, p.county.longitude, address.latitude, address.longitude),
    };
  }

  private slug(text: string): string {
    let out = this.slugs.get(text);
    if (out === undefined) {
      out = slug(text);
      if (this.slugs.size >= 100_000) this.slugs.clear();
      this.slugs.set(text, out);
    }
    return out;
  }

  /** Weekly opening hours for the details endpoint (day 0..6; bars run past midnight). */
  hours(p: Profile): { is_overnight: boolean; start: string; end: string; day: number }[] {
    const h = hash(this.seed, p.index, S.hours);
    const closedDay = h % 3 === 0 ? -1 : (h >>> 2) % 7;
    const late = p.kind === 'nightlife';
    const start = late ? 16 + ((h >>> 5) % 3) : 6 + ((h >>> 5) % 6);
    const end = late ? 1 + ((h >>> 8) % 2) : 17 + ((h >>> 8) % 6);
    const hhmm = (hour: number) => `${String(hour).padStart(2, '0')}00`;
    return [0, 1, 2, 3, 4, 5, 6]
      .filter((day) => day !== closedDay)
      .map((day) => ({ is_overnight: late, start: hhmm(start), end: hhmm(end), day }));
  }

  /** The latest ≤ 3 reviews of a business on `day`, newest first. */
  reviews(p: Profile, day: number, alias: string): TruthReview[] {
    const count = this.reviewCount(p, day);
    const out: TruthReview[] = [];
    for (let k = count; k >= 1 && k > count - 3; k--) out.push(this.review(p, k, alias));
    // Reviews of one day get independent times of day, so order by the time itself.
    return out.sort((a, b) => (a.timeCreated < b.timeCreated ? 1 : a.timeCreated > b.timeCreated ? -1 : 0));
  }

  private review(p: Profile, k: number, alias: string): TruthReview {
    const seed = this.seed;
    // Review k's day inverts the review-count curve (k ≤ base: spread between opening and 2020).
    const day =
      k <= p.base
        ? p.openDay >= 0
          ? p.openDay
          : p.start - Math.ceil(((p.base - k + 1) * Math.min(900, p.start - p.openDay)) / p.base)
        : this.reviewDay(p, k);
    const second = pick(86_400, seed, p.index, S.reviewTime, k);
    const time = new Date(EPOCH_MS + day * DAY_MS + second * 1000).toISOString();
    const stars = Math.min(
      5,
      Math.max(1, Math.round(p.quality + (unit(seed, p.index, S.reviewRating, k) - 0.5) * 3)),
    );
    const text = `${choose(REVIEW_OPENERS[stars]!, seed, p.index, S.reviewText, k)} ${choose(REVIEW_BODIES, seed, p.index, S.reviewText, k, 1)} ${choose(REVIEW_BODIES, seed, p.index, S.reviewText, k, 2)}`;
    const id = opaqueId(seed, K.review, p.index, k);
    const userIndex = pick(this.size * 2 + 50, seed, p.index, S.reviewUser, k);
    const userId = opaqueId(seed, K.user, userIndex);
    const photo = hash(seed, userIndex, S.reviewUser);
    return {
      id,
      businessId: p.id,
      url: `https://www.yelp.com/biz/${encodeURI(alias)}?adjust_creative=${this.clientId}&hrid=${id}&utm_campaign=yelp_api_v3&utm_medium=api_v3_business_reviews&utm_source=${this.clientId}`,
      text: text.length > 160 ? `${text.slice(0, 157).trimEnd()}...` : text,
      rating: stars,
      timeCreated: `${time.slice(0, 10)} ${time.slice(11, 19)}`,
      user: {
        id: userId,
        profileUrl: `https://www.yelp.com/user_details?userid=${userId}`,
        imageUrl:
          photo % 10 < 3
            ? null
            : `https://s3-media${1 + (photo % 4)}.fl.yelpcdn.com/photo/${opaqueId(seed, K.userPhoto, userIndex)}/o.jpg`,
        name: `${choose(FIRST_NAMES, seed, userIndex, 1)} ${choose(LAST_NAMES, seed, userIndex, 2)[0]}.`,
      },
    };
  }

  // ---- events ---------------------------------------------------------------------------------

  private eventsPerWeek(): number {
    return Math.max(1, Math.round(this.size / 150));
  }

  /** Events served on `day`: those starting within the next EVENT_HORIZON days, by start then id. */
  eventsOn(day: number): TruthEvent[] {
    const perWeek = this.eventsPerWeek();
    const out: TruthEvent[] = [];
    for (let week = Math.floor(day / 7); week <= Math.floor((day + EVENT_HORIZON - 1) / 7); week++) {
      for (let j = 0; j < perWeek; j++) {
        const startDay = week * 7 + pick(7, this.seed, week, j, S.event);
        if (startDay >= day && startDay < day + EVENT_HORIZON) out.push(this.event(week, j, startDay, day));
      }
    }
    return out.sort((a, b) => a.timeStart.localeCompare(b.timeStart) || a.id.localeCompare(b.id));
  }

  private event(week: number, j: number, startDay: number, day: number): TruthEvent {
    const seed = this.seed;
    const r = (...k: number[]) => unit(seed, week, j, S.event, ...k);
    let businessId: string | null = null;
    let zipIndex: number;
    let county: County;
    // Events without a business get their own address stream (negative keys never clash with an index).
    let entity = -1 - ((week + 1_000_000) * this.eventsPerWeek() + j);
    if (this.size > 0 && r(1) < 0.6) {
      const p = this.profile(pick(this.size, seed, week, j, S.event, 2));
      if (this.status(p, day) === 'open') businessId = p.id;
      zipIndex = p.zipIndex;
      county = p.county;
      entity = p.index;
    } else {
      county = this.geo.counties[weightedIndex(this.placementWeights, r(3))]!;
      zipIndex = county.zips[pick(county.zips.length, seed, week, j, S.event, 4)]!;
    }
    const place = this.address(entity, zipIndex);
    const category = choose(EVENT_CATEGORIES, seed, week, j, S.event, 5);
    const name = choose(EVENT_NAMES[category]!, seed, week, j, S.event, 6);
    const id = `${slug(place.city)}-${slug(name)}-${week}-${j}`;
    const offset = Math.round(place.longitude / 15);
    const zone = `${offset < 0 ? '-' : '+'}${String(Math.abs(offset)).padStart(2, '0')}:00`;
    const hour = 10 + pick(12, seed, week, j, S.event, 7);
    const at = (h: number) =>
      `${dayDate(startDay + Math.floor(h / 24))}T${String(h % 24).padStart(2, '0')}:${r(8) < 0.5 ? '00' : '30'}:00${zone}`;
    const isFree = r(9) < 0.35;
    const cost = isFree ? null : 5 + pick(146, seed, week, j, S.event, 10);
    // Interest builds up as the start approaches.
    const buildUp = 1 - (startDay - day) / EVENT_HORIZON;
    const photo = hash(seed, week, j, S.event, 11);
    const eventUrl = `https://www.yelp.com/events/${id}?adjust_creative=${this.clientId}&utm_campaign=yelp_api_v3&utm_medium=api_v3_event_search&utm_source=${this.clientId}`;
    return {
      id,
      businessId,
      name,
      category,
      description: `${name} in ${place.city}. Join us for a great time with friends and neighbors; more details on the event page.`,
      attendingCount: Math.floor((5 + pick(200, seed, week, j, S.event, 12)) * buildUp),
      interestedCount: Math.floor((10 + pick(400, seed, week, j, S.event, 13)) * buildUp),
      cost,
      costMax: cost !== null && r(14) < 0.4 ? cost + 5 + pick(100, seed, week, j, S.event, 15) : null,
      isFree,
      isCanceled: r(16) < 0.03,
      isOfficial: r(17) < 0.1,
      timeStart: at(hour),
      timeEnd: r(18) < 0.3 ? null : at(hour + 1 + pick(4, seed, week, j, S.event, 19)),
      ticketsUrl: isFree ? '' : `https://www.eventbrite.com/e/${id}-tickets-${fmix32(week * 1000 + j)}`,
      eventSiteUrl: eventUrl,
      imageUrl: `https://s3-media${1 + (photo % 4)}.fl.yelpcdn.com/ephoto/${opaqueId(seed, K.eventPhoto, week, j)}/o.jpg`,
      latitude: place.latitude,
      longitude: place.longitude,
      address1: place.address1,
      city: place.city,
      zipCode: place.zipCode,
      state: county.state.code,
      countyFips: county.fips,
    };
  }

  // ---- per-county access for the server -------------------------------------------------------

  /** Open businesses of a county on `day`, in index order. */
  countyBusinesses(countyIndex: number, day: number): TruthBusiness[] {
    const out: TruthBusiness[] = [];
    for (let k = this.countyStart[countyIndex]!; k < this.countyStart[countyIndex + 1]!; k++) {
      const p = this.profile(this.byCounty[k]!);
      if (this.status(p, day) === 'open') out.push(this.business(p, day));
    }
    return out;
  }

  // ---- World ----------------------------------------------------------------------------------

  *businessesOn(date: string): Iterable<TruthBusiness> {
    const day = dayNumber(date);
    for (let i = 0; i < this.size; i++) {
      const p = this.profile(i);
      if (this.status(p, day) === 'open') yield this.business(p, day);
    }
  }

  truth(date: string): GroundTruth {
    const day = dayNumber(date);
    const { states, counties } = this.geo;
    const businesses: TruthBusiness[] = [];
    const closedBusinesses: GroundTruth['closedBusinesses'] = [];
    const reviews: TruthReview[] = [];
    for (let i = 0; i < this.size; i++) {
      const p = this.profile(i);
      const status = this.status(p, day);
      if (status === 'closed') closedBusinesses.push({ id: p.id, closedOn: dayDate(p.closeDay) });
      if (status !== 'open') continue;
      const b = this.business(p, day);
      businesses.push(b);
      reviews.push(...this.reviews(p, day, b.alias));
    }
    const countyPopulation: GroundTruth['countyPopulation'] = [];
    for (let code = 3; code <= 12; code++) {
      const population = countyPopulations(code);
      for (const c of counties) {
        countyPopulation.push({ countyFips: c.fips, year: 2007 + code, population: population[c.index]! });
      }
    }
    return {
      date,
      states: states.map(({ fips, name, code }) => ({ fips, name, code })),
      counties: counties.map(({ fips, name, stateFips }) => ({ fips, name, stateFips })),
      countyPopulation,
      categories: CATEGORIES.map(({ alias, title, parentAliases }) => ({
        alias,
        title,
        parentAliases: [...parentAliases],
      })),
      businesses,
      closedBusinesses,
      reviews,
      events: this.eventsOn(day),
    };
  }
}

/** Day number of the first day of the review season (REVIEW_SEASON) of a year. */
function seasonStart(year: number): number {
  const { month, day } = REVIEW_SEASON.from;
  return Math.round((Date.UTC(year, month - 1, day) - EPOCH_MS) / DAY_MS);
}

/** The chain of a business (a roll in [0, 1) against the CHAINS shares), or null. */
function pickChain(u: number): Chain | null {
  let left = u;
  for (const chain of CHAINS) {
    left -= chain.share;
    if (left < 0) return chain;
  }
  return null;
}

/** A top-level category by TOP_LEVEL_WEIGHTS times the region's mix. */
function pickKind(region: keyof typeof REGIONAL_CATEGORY_MIX, u: number): string {
  const weights = TOP_LEVEL.map((top) => TOP_LEVEL_WEIGHTS[top]! * (REGIONAL_CATEGORY_MIX[region][top] ?? 1));
  return TOP_LEVEL[cumulativePick(weights, u)]!;
}

/** Index drawn from (unnormalized) weights with a uniform u in [0, 1). */
function cumulativePick(weights: readonly number[], u: number): number {
  const total = weights.reduce((a, b) => a + b, 0);
  let left = u * total;
  for (let k = 0; k < weights.length; k++) {
    left -= weights[k]!;
    if (left < 0) return k;
  }
  return weights.length - 1;
}

export function createWorld(options: { businesses: number; seed: number }): SimWorld {
  return new SimWorld(options);
}

/** Great-circle distance in meters. */
export function haversine(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180;
  const a =
    Math.sin(((lat2 - lat1) * rad) / 2) ** 2 +
    Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(((lon2 - lon1) * rad) / 2) ** 2;
  return 2 * 6_371_008.8 * Math.asin(Math.sqrt(a));
}
