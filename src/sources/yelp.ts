import type { z } from 'zod';
import { SourceHttpError } from './http.ts';
import { type QuarantinedRecord, validateRecord } from './quarantine.ts';
import {
  categoriesSchema,
  detailsSchema,
  eventsPageSchema,
  reviewsPageSchema,
  searchPageSchema,
  yelpBusinessSchema,
  yelpCategorySchema,
  yelpEventSchema,
  yelpReviewSchema,
} from './yelp-schemas.ts';

export const PAGE_SIZE = 50;
/** Events are paged up to limit + offset ≤ 1000 whatever the search cap is. */
const EVENTS_DEPTH = 1000;
const PRICES = [1, 2, 3, 4] as const;

export interface SearchResult {
  /** Businesses by Yelp id, deduplicated across pages and split queries. */
  businesses: Map<string, unknown>;
  quarantined: QuarantinedRecord[];
  /** Every business of the location was reachable (no query stayed above the depth cap). */
  complete: boolean;
  total: number;
  calls: number;
}

interface SearchFilter {
  categories?: string;
  price?: number;
}

/** What the client needs of its HTTP side (a SourceHttp, or one replaying a checkpoint). */
export interface JsonSource {
  readonly calls: number;
  /** Calls the API says are left today, when it says (Yelp's `RateLimit-Remaining`). */
  readonly quotaLeft?: number | undefined;
  getJson<T>(
    path: string,
    query?: Record<string, string | number | undefined>,
    schema?: z.ZodType<T>,
  ): Promise<T>;
}

/**
 * Answers already received (a county's checkpoint) are replayed instead of asked again; each new
 * answer is added to the map, which the pull saves when the quota cuts the county short.
 */
class ReplayingSource implements JsonSource {
  calls = 0;
  constructor(
    private readonly http: JsonSource,
    private readonly answers: Map<string, unknown>,
  ) {}

  async getJson<T>(
    path: string,
    query: Record<string, string | number | undefined> = {},
    schema?: z.ZodType<T>,
  ) {
    const key = `${path}?${new URLSearchParams(
      Object.entries(query).flatMap(([k, v]) => (v === undefined ? [] : [[k, String(v)]])),
    )}`;
    if (this.answers.has(key)) return this.answers.get(key) as T;
    this.calls++;
    const body = await this.http.getJson(path, query, schema);
    this.answers.set(key, body);
    return body;
  }
}

/**
 * Yelp Fusion v3: search, reviews, events, business details and the category list. Search
 * results stop at a depth cap (limit + offset ≤ 1000, or 240 today), so a location with more
 * businesses is split by top-level category, then by price, until each query fits under the cap.
 */
export class YelpClient {
  constructor(
    private readonly http: JsonSource,
    private readonly depthCap: number,
  ) {}

  get calls(): number {
    return this.http.calls;
  }

  get quotaLeft(): number | undefined {
    return this.http.quotaLeft;
  }

  /** The same client, replaying `answers` (request → body) and adding the new ones to it. */
  replaying(answers: Map<string, unknown>): YelpClient {
    return new YelpClient(new ReplayingSource(this.http, answers), this.depthCap);
  }

  async categories(): Promise<{ categories: unknown[]; quarantined: QuarantinedRecord[] }> {
    const body = await this.http.getJson('/v3/categories', {}, categoriesSchema);
    const { accepted, quarantined } = partition(yelpCategorySchema, 'category', body.categories, (raw) =>
      String((raw as { alias?: unknown }).alias ?? ''),
    );
    return { categories: accepted, quarantined };
  }

  async search(location: string, topCategories: readonly string[]): Promise<SearchResult> {
    const result: SearchResult = {
      businesses: new Map(),
      quarantined: [],
      complete: true,
      total: 0,
      calls: 0,
    };
    const seenBad = new Set<string>();
    const page = async (filter: SearchFilter, offset: number) => {
      const body = await this.http.getJson(
        '/v3/businesses/search',
        {
          location,
          categories: filter.categories,
          price: filter.price,
          limit: Math.min(PAGE_SIZE, this.depthCap - offset),
          offset,
        },
        searchPageSchema,
      );
      result.calls++;
      for (const raw of body.businesses) {
        const checked = validateRecord(yelpBusinessSchema, 'business', raw);
        if (checked.ok) result.businesses.set(checked.value.id, raw);
        else if (!seenBad.has(checked.quarantined.key + checked.quarantined.reason)) {
          seenBad.add(checked.quarantined.key + checked.quarantined.reason);
          result.quarantined.push(checked.quarantined);
        }
      }
      return body.total;
    };
    // Pages 2..n of a query whose first page said `total`.
    const rest = async (filter: SearchFilter, total: number) => {
      const offsets: number[] = [];
      for (let offset = PAGE_SIZE; offset < Math.min(total, this.depthCap); offset += PAGE_SIZE)
        offsets.push(offset);
      await Promise.all(offsets.map((offset) => page(filter, offset)));
    };
    // total == cap may be a clamped total (the 240 era), so it counts as "too many" too.
    const fits = (total: number) => total < this.depthCap;

    result.total = await page({}, 0);
    if (fits(result.total)) {
      await rest({}, result.total);
      return result;
    }
    await Promise.all(
      topCategories.map(async (categories) => {
        const total = await page({ categories }, 0);
        if (fits(total)) return rest({ categories }, total);
        const priced = await Promise.all(
          PRICES.map(async (price) => {
            const count = await page({ categories, price }, 0);
            await rest({ categories, price }, count);
            return count;
          }),
        );
        // Businesses without a price are out of reach of the price split; only a true (unclamped)
        // total that the price totals add up to proves none was missed.
        const sum = priced.reduce((a, b) => a + b, 0);
        if (priced.some((count) => !fits(count)) || total <= this.depthCap || sum !== total) {
          result.complete = false;
        }
      }),
    );
    if (result.total > this.depthCap && result.businesses.size < result.total) result.complete = false;
    return result;
  }

  async reviews(businessId: string): Promise<{ reviews: unknown[]; quarantined: QuarantinedRecord[] }> {
    try {
      const body = await this.http.getJson(
        `/v3/businesses/${encodeURIComponent(businessId)}/reviews`,
        {},
        reviewsPageSchema,
      );
      const { accepted: reviews, quarantined } = partition(
        yelpReviewSchema,
        'review',
        body.reviews,
        (raw) => (raw as { id?: string }).id,
      );
      return { reviews, quarantined };
    } catch (error) {
      if (isGone(error)) return { reviews: [], quarantined: [] };
      throw error;
    }
  }

  /** Whether a business is closed for good: details say is_closed, or Yelp no longer knows it. */
  async isClosed(businessId: string): Promise<boolean> {
    try {
      const body = await this.http.getJson(
        `/v3/businesses/${encodeURIComponent(businessId)}`,
        {},
        detailsSchema,
      );
      return body.is_closed;
    } catch (error) {
      if (isGone(error)) return true;
      throw error;
    }
  }

  async events(location: string): Promise<{ events: unknown[]; quarantined: QuarantinedRecord[] }> {
    const events: unknown[] = [];
    const quarantined: QuarantinedRecord[] = [];
    const page = async (offset: number) => {
      const body = await this.http.getJson(
        '/v3/events',
        { location, limit: PAGE_SIZE, offset },
        eventsPageSchema,
      );
      const checked = partition(yelpEventSchema, 'event', body.events, (raw) => (raw as { id?: string }).id);
      events.push(...checked.accepted);
      quarantined.push(...checked.quarantined);
      return body.total;
    };
    const total = await page(0);
    const offsets: number[] = [];
    for (let offset = PAGE_SIZE; offset < Math.min(total, EVENTS_DEPTH); offset += PAGE_SIZE)
      offsets.push(offset);
    await Promise.all(offsets.map(page));
    return { events: dedupeById(events), quarantined };
  }
}

function isGone(error: unknown): boolean {
  return (
    error instanceof SourceHttpError &&
    (error.code === 'BUSINESS_NOT_FOUND' ||
      error.code === 'NOT_FOUND' ||
      error.code === 'BUSINESS_UNAVAILABLE')
  );
}

function partition<T>(
  schema: z.ZodType<T>,
  entity: string,
  records: unknown[],
  keyOf: (raw: unknown) => string | undefined,
): { accepted: unknown[]; quarantined: QuarantinedRecord[] } {
  const accepted: unknown[] = [];
  const quarantined: QuarantinedRecord[] = [];
  for (const raw of records) {
    const checked = validateRecord(schema, entity, raw);
    if (checked.ok) accepted.push(raw);
    else {
      const key = raw !== null && typeof raw === 'object' ? keyOf(raw) : undefined;
      quarantined.push({ ...checked.quarantined, key: typeof key === 'string' ? key : '' });
    }
  }
  return { accepted, quarantined };
}

function dedupeById(records: unknown[]): unknown[] {
  const byId = new Map<string, unknown>();
  for (const record of records) byId.set((record as { id: string }).id, record);
  return [...byId.values()];
}
