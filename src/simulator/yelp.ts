/**
 * Yelp Fusion v3 endpoints over the simulated world, in Yelp's response shapes
 * (docs: /work/shared/reference/source-apis.md §1).
 */
import { LRUCache } from 'lru-cache';
import { wallClock, YELP_TIME_ZONE } from '../common/dates.ts';
import { CATEGORIES, expandCategories } from './categories.ts';
import { type County, geography } from './geo.ts';
import { jsonReply, type Reply, YELP_ERRORS } from './reply.ts';
import type { TruthBusiness, TruthEvent, TruthReview } from './types.ts';
import { dayNumber, haversine, type SimWorld } from './world.ts';

export const MAX_LIMIT = 50;

/** Resolves "County Name, ST" (or ", State Name", or a bare county name) to a county. */
export class CountyResolver {
  private readonly byName = new Map<string, County>();

  constructor() {
    const { counties } = geography();
    for (const c of counties) {
      const short = c.name.replace(
        / (County|Parish|Borough|Municipio|Census Area|Municipality|City and Borough)$/,
        '',
      );
      for (const name of [c.name, short]) {
        for (const suffix of [`, ${c.state.code}`, `, ${c.state.name}`, '']) {
          const key = normalize(name + suffix);
          // A bare name shared by several states resolves to the first state by FIPS, like the
          // real API picking one place for an ambiguous query.
          if (!this.byName.has(key)) this.byName.set(key, c);
        }
      }
    }
  }

  resolve(location: string): County | undefined {
    return this.byName.get(normalize(location));
  }

  /** The county whose center is nearest to a point (searches by coordinates). */
  nearest(latitude: number, longitude: number): County {
    let best = geography().counties[0]!;
    let bestDistance = Number.POSITIVE_INFINITY;
    for (const c of geography().counties) {
      const d = haversine(latitude, longitude, c.latitude, c.longitude);
      if (d < bestDistance) {
        best = c;
        bestDistance = d;
      }
    }
    return best;
  }
}

function normalize(text: string): string {
  return text
    .normalize('NFC')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .replace(/\s*,\s*/g, ', ')
    .trim();
}

export interface YelpOptions {
  searchDepthCap: number;
  brokenBusinessIds: ReadonlySet<string>;
  /** Counties (FIPS) whose searches answer 400 LOCATION_NOT_FOUND. */
  unlocatableCounties: ReadonlySet<string>;
  /** legacy: review users without id and profile_url, as in older responses. */
  reviewFormat: 'current' | 'legacy';
}

/** Yelp's time format: Pacific wall-clock time of an instant. */
export function pacificTime(instant: string): string {
  return wallClock(new Date(instant), YELP_TIME_ZONE);
}

type Query = URLSearchParams;

export class YelpApi {
  private readonly resolver = new CountyResolver();
  /** Open businesses per (date, county), bounded by rows so a 1M-business world stays in memory. */
  private readonly countyCache = new LRUCache<string, TruthBusiness[]>({
    maxSize: 200_000,
    sizeCalculation: (list) => list.length + 1,
  });
  /** Filtered and sorted results per query without limit/offset, so paging a big county is cheap. */
  private readonly searchCache = new LRUCache<string, TruthBusiness[]>({ max: 64 });
  private readonly eventCache = new LRUCache<number, Map<string, TruthEvent[]>>({ max: 4 });

  constructor(
    private readonly world: SimWorld,
    private readonly options: YelpOptions,
  ) {}

  route(path: string, query: Query, date: string): Reply {
    if (path === '/v3/businesses/search') return this.search(query, date);
    if (path === '/v3/events') return this.events(query, date);
    if (path === '/v3/categories') return this.categories();
    const categoryMatch = /^\/v3\/categories\/([^/]+)$/.exec(path);
    if (categoryMatch) return this.category(decodeURIComponent(categoryMatch[1]!));
    const reviews = /^\/v3\/businesses\/([^/]+)\/reviews$/.exec(path);
    if (reviews) return this.reviews(decodeURIComponent(reviews[1]!), date);
    const details = /^\/v3\/businesses\/([^/]+)$/.exec(path);
    if (details) return this.details(decodeURIComponent(details[1]!), date);
    return YELP_ERRORS.notFound();
  }

  /** Route names for request statistics. */
  static routeName(path: string): string {
    if (/^\/v3\/businesses\/[^/]+\/reviews$/.test(path)) return '/v3/businesses/{id}/reviews';
    if (path !== '/v3/businesses/search' && /^\/v3\/businesses\/[^/]+$/.test(path))
      return '/v3/businesses/{id}';
    if (/^\/v3\/categories\/[^/]+$/.test(path)) return '/v3/categories/{alias}';
    return path;
  }

  /** Open businesses of a county on a date (cached: pages of one county reuse the list). */
  countyBusinesses(county: County, date: string): TruthBusiness[] {
    const key = `${date}|${county.index}`;
    let list = this.countyCache.get(key);
    if (!list) {
      list = this.world.countyBusinesses(county.index, dayNumber(date));
      this.countyCache.set(key, list);
    }
    return list;
  }

  private locate(query: Query): County | Reply {
    const location = query.get('location');
    const latitude = query.get('latitude');
    const longitude = query.get('longitude');
    if (location !== null && location.trim() !== '') {
      if (location.length > 250)
        return YELP_ERRORS.validation(`'${location}' is too long`, 'location', location);
      const county = this.resolver.resolve(location);
      if (!county || this.options.unlocatableCounties.has(county.fips)) return YELP_ERRORS.locationNotFound();
      return county;
    }
    if (latitude !== null && longitude !== null) {
      const lat = Number(latitude);
      const lon = Number(longitude);
      if (!(lat >= -90 && lat <= 90))
        return YELP_ERRORS.validation(`${latitude} is not valid`, 'latitude', latitude);
      if (!(lon >= -180 && lon <= 180)) {
        return YELP_ERRORS.validation(`${longitude} is not valid`, 'longitude', longitude);
      }
      return this.resolver.nearest(lat, lon);
    }
    return YELP_ERRORS.noLocation();
  }

  /** limit/offset with Yelp's validation; the depth cap applies to limit+offset. */
  private page(
    query: Query,
    depthCap: number,
    defaultLimit: number,
  ): { limit: number; offset: number } | Reply {
    const rawLimit = query.get('limit');
    const rawOffset = query.get('offset');
    const limit = rawLimit === null ? defaultLimit : Number(rawLimit);
    const offset = rawOffset === null ? 0 : Number(rawOffset);
    if (!Number.isInteger(limit) || limit < 0) {
      return YELP_ERRORS.validation(`'${rawLimit}' is not of type 'integer'`, 'limit', rawLimit);
    }
    if (limit > MAX_LIMIT) {
      return YELP_ERRORS.validation(`The supplied limit: ${limit} is invalid, the maximum is ${MAX_LIMIT}.`);
    }
    if (!Number.isInteger(offset) || offset < 0) {
      return YELP_ERRORS.validation(`'${rawOffset}' is not of type 'integer'`, 'offset', rawOffset);
    }
    if (limit + offset > depthCap) {
      return YELP_ERRORS.validation(`Too many results requested, limit+offset must be <= ${depthCap}.`);
    }
    return { limit, offset };
  }

  private search(query: Query, date: string): Reply {
    const county = this.locate(query);
    if ('status' in county) return county;
    const page = this.page(query, this.options.searchDepthCap, 20);
    if ('status' in page) return page;

    const sortBy = query.get('sort_by') ?? 'best_match';
    const order = SORTS[sortBy];
    if (!order) {
      return YELP_ERRORS.validation(
        `'${sortBy}' is not one of ['best_match', 'rating', 'review_count', 'distance']`,
        'sort_by',
        sortBy,
      );
    }
    const key = [
      date,
      county.index,
      sortBy,
      ...['categories', 'price', 'term'].map((k) => query.get(k)),
    ].join('|');
    let sorted = this.searchCache.get(key);
    if (!sorted) {
      const matches = this.filter(this.countyBusinesses(county, date), query);
      if ('status' in matches) return matches;
      sorted = matches.sort((a, b) => order(a, b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      this.searchCache.set(key, sorted);
    }
    const total = this.options.searchDepthCap === 240 ? Math.min(240, sorted.length) : sorted.length;
    return jsonReply(200, {
      businesses: sorted
        .slice(page.offset, page.offset + page.limit)
        .map((b) => this.serializeBusiness(b, false, true)),
      total,
      region: { center: { latitude: county.latitude, longitude: county.longitude } },
    });
  }

  /** The search filters: categories (OR, parents match children), price levels, free-text term. */
  private filter(businesses: TruthBusiness[], query: Query): TruthBusiness[] | Reply {
    let matches = businesses;
    const categories = query.get('categories');
    if (categories) {
      const wanted = expandCategories(categories.split(',').map((c) => c.trim()));
      matches = matches.filter((b) => b.categories.some((c) => wanted.has(c.alias)));
    }
    const price = query.get('price');
    if (price) {
      const levels = price.split(',').map((p) => p.trim());
      if (levels.some((p) => !/^[1-4]$/.test(p))) {
        return YELP_ERRORS.validation(`'${price}' is not a valid price filter`, 'price', price);
      }
      const wanted = new Set(levels.map((p) => '$'.repeat(Number(p))));
      matches = matches.filter((b) => b.price !== null && wanted.has(b.price));
    }
    const term = query.get('term')?.trim().toLowerCase();
    if (term) {
      matches = matches.filter(
        (b) =>
          b.name.toLowerCase().includes(term) ||
          b.categories.some((c) => c.title.toLowerCase().includes(term) || c.alias.includes(term)),
      );
    }
    return matches === businesses ? [...matches] : matches;
  }

  /** A business as served, with the fault-injected records missing their required fields. */
  private serializeBusiness(
    b: TruthBusiness,
    isClosed: boolean,
    withDistance: boolean,
  ): Record<string, unknown> {
    const out = yelpBusinessJson(b, isClosed, withDistance);
    if (this.options.brokenBusinessIds.has(b.id)) {
      delete out.name;
      delete out.coordinates;
    }
    return out;
  }

  private details(idOrAlias: string, date: string): Reply {
    const index = this.world.indexOf(idOrAlias);
    if (index < 0) return YELP_ERRORS.businessNotFound();
    const profile = this.world.profile(index);
    const day = dayNumber(date);
    const status = this.world.status(profile, day);
    if (status === 'unopened') return YELP_ERRORS.businessNotFound();
    const b = this.world.business(profile, day);
    const body = this.serializeBusiness(b, status === 'closed', false);
    Object.assign(body, {
      is_claimed: profile.index % 3 !== 0,
      photos: b.imageUrl ? [b.imageUrl] : [],
      hours: [
        {
          open: this.world.hours(profile),
          hours_type: 'REGULAR',
          is_open_now: status === 'open',
        },
      ],
    });
    return jsonReply(200, body);
  }

  private reviews(idOrAlias: string, date: string): Reply {
    const index = this.world.indexOf(idOrAlias);
    if (index < 0) return YELP_ERRORS.businessNotFound();
    const profile = this.world.profile(index);
    const day = dayNumber(date);
    if (this.world.status(profile, day) === 'unopened') return YELP_ERRORS.businessNotFound();
    const b = this.world.business(profile, day);
    return jsonReply(200, {
      reviews: this.world
        .reviews(profile, day, b.alias)
        .map((r) => yelpReviewJson(r, this.options.reviewFormat)),
      total: b.reviewCount,
      possible_languages: ['en'],
    });
  }

  /** Events served on a date, grouped by county fips. */
  eventsByCounty(date: string): Map<string, TruthEvent[]> {
    const day = dayNumber(date);
    let grouped = this.eventCache.get(day);
    if (!grouped) {
      grouped = new Map();
      for (const e of this.world.eventsOn(day)) {
        const list = grouped.get(e.countyFips) ?? [];
        list.push(e);
        grouped.set(e.countyFips, list);
      }
      this.eventCache.set(day, grouped);
    }
    return grouped;
  }

  private events(query: Query, date: string): Reply {
    const county = this.locate(query);
    if ('status' in county) return county;
    const page = this.page(query, 1000, 3);
    if ('status' in page) return page;
    const events = this.eventsByCounty(date).get(county.fips) ?? [];
    return jsonReply(200, {
      events: events.slice(page.offset, page.offset + page.limit).map(yelpEventJson),
      total: events.length,
    });
  }

  private categories(): Reply {
    return jsonReply(200, { categories: CATEGORIES.map(serializeCategory) });
  }

  private category(alias: string): Reply {
    const category = CATEGORIES.find((c) => c.alias === alias);
    if (!category) return YELP_ERRORS.validation(`Category '${alias}' is not valid`, 'alias', alias);
    return jsonReply(200, { category: serializeCategory(category) });
  }
}

function serializeCategory(c: (typeof CATEGORIES)[number]) {
  return {
    alias: c.alias,
    title: c.title,
    parent_aliases: c.parentAliases,
    country_whitelist: [],
    country_blacklist: [],
  };
}

/** Orderings: deterministic per day, so paging through a county is consistent. */
const SORTS: Record<string, (a: TruthBusiness, b: TruthBusiness) => number> = {
  best_match: (a, b) => bestMatch(b) - bestMatch(a),
  rating: (a, b) => b.rating - a.rating || b.reviewCount - a.reviewCount,
  review_count: (a, b) => b.reviewCount - a.reviewCount,
  distance: (a, b) => a.distance - b.distance,
};

function bestMatch(b: TruthBusiness): number {
  return b.rating * Math.log1p(b.reviewCount);
}

/** A business as Yelp serializes it (search: with distance; details: without). */
export function yelpBusinessJson(
  b: TruthBusiness,
  isClosed: boolean,
  withDistance: boolean,
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: b.id,
    alias: b.alias,
    name: b.name,
    image_url: b.imageUrl,
    is_closed: isClosed,
    url: b.url,
    review_count: b.reviewCount,
    categories: b.categories,
    rating: b.rating,
    coordinates: { latitude: b.latitude, longitude: b.longitude },
    transactions: b.transactions,
  };
  if (b.price !== null) out.price = b.price;
  out.location = {
    address1: b.address1,
    address2: b.address2,
    address3: b.address3,
    city: b.city,
    zip_code: b.zipCode,
    country: b.country,
    state: b.state,
    display_address: [b.address1, b.address2, b.address3]
      .filter((line): line is string => Boolean(line))
      .concat(`${b.city}, ${b.state} ${b.zipCode}`),
  };
  out.phone = b.phone;
  out.display_phone = b.displayPhone;
  if (withDistance) out.distance = b.distance;
  return out;
}

/**
 * A review as /v3/businesses/{id}/reviews serializes it: `time_created` in Pacific time; the
 * legacy format's user has no id.
 */
export function yelpReviewJson(
  r: TruthReview,
  format: YelpOptions['reviewFormat'] = 'current',
): Record<string, unknown> {
  return {
    id: r.id,
    url: r.url,
    text: r.text,
    rating: r.rating,
    time_created: pacificTime(`${r.timeCreated.replace(' ', 'T')}Z`),
    user:
      format === 'legacy'
        ? { image_url: r.user.imageUrl, name: r.user.name }
        : { id: r.user.id, profile_url: r.user.profileUrl, image_url: r.user.imageUrl, name: r.user.name },
  };
}

/** An event as /v3/events serializes it. */
export function yelpEventJson(e: TruthEvent): Record<string, unknown> {
  return {
    attending_count: e.attendingCount,
    category: e.category,
    cost: e.cost,
    cost_max: e.costMax,
    description: e.description,
    event_site_url: e.eventSiteUrl,
    id: e.id,
    image_url: e.imageUrl,
    interested_count: e.interestedCount,
    is_canceled: e.isCanceled,
    is_free: e.isFree,
    is_official: e.isOfficial,
    latitude: e.latitude,
    longitude: e.longitude,
    name: e.name,
    tickets_url: e.ticketsUrl,
    time_end: e.timeEnd === null ? null : pacificTime(e.timeEnd),
    time_start: pacificTime(e.timeStart),
    location: {
      address1: e.address1,
      address2: '',
      address3: '',
      city: e.city,
      zip_code: e.zipCode,
      country: 'US',
      state: e.state,
      display_address: [e.address1, `${e.city}, ${e.state} ${e.zipCode}`],
      cross_streets: '',
    },
    business_id: e.businessId,
  };
}
