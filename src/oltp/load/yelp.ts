import type { QuarantinedRecord } from '../../sources/quarantine.ts';
import type { CategoryLine, YelpLine } from '../../sources/yelp-pull.ts';
import {
  reviewUserKey,
  type YelpBusiness,
  type YelpCategory,
  type YelpEvent,
  type YelpReview,
  yelpTimeToUtc,
} from '../../sources/yelp-schemas.ts';
import { deferChecks } from './deferred-checks.ts';
import { copyQuarantine, finishLoad, type LoadCounts, startLoad } from './geography.ts';
import type { CopyValue, LoadSession } from './session.ts';
import { SpoolFolder } from './spool.ts';
import { loadScript } from './sql-files.ts';

export interface YelpLoadInput {
  /** Every line of the day's pull (records were validated when pulled). */
  lines: AsyncIterable<YelpLine> | Iterable<YelpLine>;
  categories: AsyncIterable<CategoryLine> | Iterable<CategoryLine>;
}

export const YELP_TABLES = [
  'city',
  'business',
  'business_category',
  'business_category_bridge',
  'transaction_type',
  'business_transaction_bridge',
  'business_holding',
  'yelp_user',
  'review',
  'event_category',
  'event',
] as const;

/** Each bridge, its second key and the pair table yelp.sql stages for it. */
const BRIDGES = [
  ['business_category_bridge', 'category_id', 'stg_category_pair'],
  ['business_transaction_bridge', 'transaction_type_id', 'stg_transaction_pair'],
] as const;

const BUSINESS_COLUMNS = [
  'yelp_id',
  'alias',
  'name',
  'url',
  'image_url',
  'phone',
  'display_phone',
  'price',
  'rating',
  'review_count',
  'latitude',
  'longitude',
  'address1',
  'address2',
  'address3',
  'city',
  'zip_code',
  'country',
  'state',
  'county_fips',
  'distance',
];

const REVIEW_COLUMNS = [
  'yelp_review_id',
  'yelp_id',
  'url',
  'text',
  'rating',
  'time_created',
  'yelp_user_id',
  'user_profile_url',
  'user_image_url',
  'user_name',
];

const EVENT_COLUMNS = [
  'yelp_event_id',
  'yelp_id',
  'name',
  'category',
  'description',
  'attending_count',
  'interested_count',
  'cost',
  'cost_max',
  'is_free',
  'is_canceled',
  'is_official',
  'starts_at',
  'ends_at',
  'tickets_url',
  'event_site_url',
  'image_url',
  'latitude',
  'longitude',
  'address1',
  'city',
  'zip_code',
  'state',
  'county_fips',
];

/**
 * Loads a day's Yelp pull in the caller's transaction: one pass over the records streams the
 * businesses into staging with COPY and spools the side tables to CSV, which are COPY'd next;
 * yelp.sql then moves everything into the normalized tables, set-based. Into empty tables (a
 * first load), indexes and foreign keys are built and checked once at the end (deferred-checks.ts).
 */
export async function loadYelp(
  session: LoadSession,
  runDate: string,
  input: YelpLoadInput,
): Promise<LoadCounts> {
  await startLoad(session, runDate, 'yelp');
  const [{ first } = { first: false }] = await session.query<{ first: boolean }>(
    'select not exists (select 1 from business) as first',
  );
  // The read models are filled once at the end of a first load: their indexes are built then too.
  const restoreChecks = await deferChecks(
    session,
    runDate,
    first ? [...YELP_TABLES, 'business_current', 'business_detail'] : YELP_TABLES,
  );
  if (first) await session.exec(loadScript('business-current-first.sql', runDate, { action: 'disable' }));
  const folder = new SpoolFolder();
  try {
    const spools = {
      categories: folder.spool('business_category'),
      transactions: folder.spool('business_transaction'),
      reviews: folder.spool('review'),
      events: folder.spool('event'),
      closed: folder.spool('closed'),
    };
    const quarantined: (QuarantinedRecord & { source: string })[] = [];
    async function* businesses(): AsyncGenerator<CopyValue[]> {
      for await (const line of input.lines) {
        switch (line.t) {
          case 'business': {
            const b = line.r as YelpBusiness;
            yield businessRow(line.county, b);
            for (const c of b.categories) spools.categories.write([b.id, c.alias, c.title]);
            for (const t of b.transactions ?? []) spools.transactions.write([b.id, t]);
            break;
          }
          case 'review':
            spools.reviews.write(reviewRow(line.business, line.r as YelpReview));
            break;
          case 'event':
            spools.events.write(eventRow(line.county, line.r as YelpEvent));
            break;
          case 'closed':
            spools.closed.write([line.id]);
            break;
          case 'quarantine':
            quarantined.push({ ...line, source: 'yelp' });
            break;
        }
      }
    }
    await session.copy('stg_business', BUSINESS_COLUMNS, businesses());
    for (const spool of Object.values(spools)) spool.close();
    await session.copyFile('stg_business_category', ['yelp_id', 'alias', 'title'], spools.categories.file);
    await session.copyFile('stg_business_transaction', ['yelp_id', 'name'], spools.transactions.file);
    await session.copyFile('stg_review', REVIEW_COLUMNS, spools.reviews.file);
    await session.copyFile('stg_event', EVENT_COLUMNS, spools.events.file);
    await session.copyFile('stg_closed', ['yelp_id'], spools.closed.file);

    async function* categories(): AsyncGenerator<CopyValue[]> {
      for await (const line of input.categories) {
        if (line.t === 'quarantine') {
          quarantined.push({ ...line, source: 'yelp' });
          continue;
        }
        const c = line.r as YelpCategory;
        yield [c.alias, c.title, c.parent_aliases?.[0] ?? null];
      }
    }
    await session.copy('stg_category', ['alias', 'title', 'parent_alias'], categories());
    await copyQuarantine(session, quarantined);
    await session.exec(loadScript('yelp.sql', runDate));
    for (const [bridge, key, pairs] of BRIDGES) {
      await session.exec(loadScript('bridge.sql', runDate, { bridge, key, pairs }));
    }
    await session.exec(loadScript('yelp-activity.sql', runDate));
    if (first) {
      // Statistics of what the tables now hold, before anything plans on them: the migrations
      // analyzed them empty, and PGlite has no autovacuum to catch up. With "empty" statistics the
      // read models' refresh and every later daily load planned scans, not key lookups.
      await session.exec(`analyze ${YELP_TABLES.join(', ')}`);
      await session.exec('select refresh_business_read_models(array(select business_id from business))');
      await session.exec(loadScript('business-current-first.sql', runDate, { action: 'enable' }));
    }
    await restoreChecks();
    if (first) await session.exec('analyze business_current, business_detail');
    return await finishLoad(session, runDate, YELP_TABLES);
  } finally {
    folder.remove();
  }
}

export function businessRow(countyFips: string, b: YelpBusiness): CopyValue[] {
  const l = b.location;
  return [
    b.id,
    b.alias,
    b.name,
    b.url,
    b.image_url,
    b.phone,
    b.display_phone,
    b.price ?? null,
    b.rating,
    b.review_count,
    b.coordinates.latitude,
    b.coordinates.longitude,
    l.address1,
    l.address2,
    l.address3,
    l.city,
    l.zip_code,
    l.country,
    l.state,
    countyFips,
    b.distance,
  ];
}

function reviewRow(businessId: string, r: YelpReview): CopyValue[] {
  return [
    r.id,
    businessId,
    r.url,
    r.text,
    r.rating,
    yelpTimeToUtc(r.time_created),
    reviewUserKey(r.user),
    r.user.profile_url,
    r.user.image_url,
    r.user.name,
  ];
}

function eventRow(countyFips: string, e: YelpEvent): CopyValue[] {
  return [
    e.id,
    e.business_id,
    e.name,
    e.category,
    e.description,
    e.attending_count,
    e.interested_count,
    e.cost,
    e.cost_max,
    e.is_free,
    e.is_canceled,
    e.is_official,
    yelpTimeToUtc(e.time_start),
    yelpTimeToUtc(e.time_end),
    e.tickets_url,
    e.event_site_url,
    e.image_url,
    e.latitude,
    e.longitude,
    e.location?.address1,
    e.location?.city,
    e.location?.zip_code,
    e.location?.state,
    countyFips,
  ];
}
