import { createHash } from 'node:crypto';
import { z } from 'zod';
import { fromWallClock, YELP_TIME_ZONE } from '../common/dates.ts';

/** Yelp Fusion v3 records as the API sends them (source-apis.md §1.3–1.5). */

const optionalText = z.string().nullable().optional();

export const yelpBusinessSchema = z.object({
  id: z.string().min(1),
  alias: z.string().min(1),
  name: z.string().min(1),
  image_url: z.string().nullable().optional(),
  is_closed: z.boolean().optional(),
  url: z.string().nullable().optional(),
  review_count: z.number().int().min(0),
  categories: z.array(z.object({ alias: z.string().min(1), title: z.string().min(1) })),
  rating: z.number().min(0).max(5),
  coordinates: z.object({ latitude: z.number().nullable(), longitude: z.number().nullable() }),
  transactions: z.array(z.string().min(1)).default([]),
  // Omitted (not null) when Yelp does not know it.
  price: z.enum(['$', '$$', '$$$', '$$$$']).optional(),
  location: z.object({
    address1: optionalText,
    address2: optionalText,
    address3: optionalText,
    city: z.string().min(1),
    zip_code: optionalText,
    country: z.string().length(2),
    state: z.string().min(1),
  }),
  phone: optionalText,
  display_phone: optionalText,
  distance: z.number().optional(),
});
export type YelpBusiness = z.infer<typeof yelpBusinessSchema>;

export const yelpReviewSchema = z.object({
  id: z.string().min(1),
  url: z.string().nullable().optional(),
  text: z.string().nullable().optional(),
  rating: z.number().int().min(1).max(5),
  time_created: z.string().regex(/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}/),
  // Older responses carry no user id (only name and image_url): see reviewUserKey.
  user: z.object({
    id: z.string().min(1).optional(),
    profile_url: z.string().nullable().optional(),
    image_url: z.string().nullable().optional(),
    name: z.string().nullable().optional(),
  }),
});
export type YelpReview = z.infer<typeof yelpReviewSchema>;

/** Marks a user key Gourmand derived (the response had no user id), never a Yelp id. */
export const DERIVED_USER_PREFIX = 'derived:';

/**
 * The user key of a review: Yelp's user id, or for the older format a stable key derived from
 * the name and image URL (the same person gets the same key on every pull), prefixed `derived:`.
 */
export function reviewUserKey(user: YelpReview['user']): string {
  if (user.id) return user.id;
  const digest = createHash('sha256')
    .update(`${user.name ?? ''}\n${user.image_url ?? ''}`)
    .digest('base64url');
  return `${DERIVED_USER_PREFIX}${digest.slice(0, 22)}`;
}

/**
 * Yelp's review and event times as UTC ISO instants. Yelp sends Pacific wall-clock time
 * ('YYYY-MM-DD HH:MM:SS', no offset); a time that carries its own offset is taken as it is.
 */
export function yelpTimeToUtc(value: string | null | undefined): string | null {
  if (!value) return null;
  if (/(Z|[+-]\d{2}:?\d{2})$/.test(value)) return new Date(value).toISOString();
  return fromWallClock(value, YELP_TIME_ZONE).toISOString();
}

export const yelpEventSchema = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  category: z.string().nullable().optional(),
  description: z.string().nullable().optional(),
  attending_count: z.number().int().min(0).nullable().optional(),
  interested_count: z.number().int().min(0).nullable().optional(),
  cost: z.number().nullable().optional(),
  cost_max: z.number().nullable().optional(),
  is_free: z.boolean().optional(),
  is_canceled: z.boolean().optional(),
  is_official: z.boolean().optional(),
  time_start: z.string().nullable().optional(),
  time_end: z.string().nullable().optional(),
  tickets_url: z.string().nullable().optional(),
  event_site_url: z.string().nullable().optional(),
  image_url: z.string().nullable().optional(),
  latitude: z.number().nullable().optional(),
  longitude: z.number().nullable().optional(),
  business_id: z.string().nullable().optional(),
  location: z
    .object({
      address1: optionalText,
      city: optionalText,
      zip_code: optionalText,
      state: optionalText,
    })
    .optional(),
});
export type YelpEvent = z.infer<typeof yelpEventSchema>;

export const yelpCategorySchema = z.object({
  alias: z.string().min(1),
  title: z.string().min(1),
  parent_aliases: z.array(z.string()).default([]),
});
export type YelpCategory = z.infer<typeof yelpCategorySchema>;

/** Envelopes: the list is checked to be an array; each record is validated on its own. */
export const searchPageSchema = z.object({
  businesses: z.array(z.unknown()),
  total: z.number().int().min(0),
});
export const reviewsPageSchema = z.object({ reviews: z.array(z.unknown()) });
export const eventsPageSchema = z.object({ events: z.array(z.unknown()), total: z.number().int().min(0) });
export const categoriesSchema = z.object({ categories: z.array(z.unknown()) });
export const detailsSchema = z.object({ id: z.string(), is_closed: z.boolean() });
