-- Issue 9: a filtered list page walked its sort's index and fetched every business it passed from
-- the heap to test the filter, and probed business_category_bridge for each one under a category
-- filter: at 1,000,000 businesses `q` sorted by name fetched 40,000 rows for 21 (200 ms), a city
-- under the rating sort 2,000. The sort indexes now carry every column a list filter reads, so the
-- list's key query (src/api/queries/businesses.ts) is an index-only scan that tests the filters
-- on index entries and reads the heap only for the page: 3.7 ms for that `q` page.
--
-- Two columns for the filters: category_ids, the business's current (valid_to is null)
-- categories, kept by refresh_business_current like its others; name_lower for `q`, generated
-- from name. In a UTF8 database `name ilike p` is `lower(name) like lower(p)` (PostgreSQL
-- lowercases both for a multibyte encoding), and the lowercasing was most of the cost of testing
-- an entry: `like` on a stored lowercase name tests 1,000,000 names in a quarter of the time.
alter table business_current add column category_ids int[] not null default '{}';
alter table business_current add column name_lower text not null generated always as (lower(name)) stored;

create or replace function refresh_business_current(ids int[]) returns void language sql as $$
  insert into business_current (
    business_id, yelp_id, alias, name, payment_level_id, is_closed, listed, city_id, state_id,
    latitude, longitude, rating, review_count, holding_date, city_name_lower, category_ids
  )
  select b.business_id, b.yelp_id, b.alias, b.name, b.payment_level_id, b.is_closed,
         b.valid_to is null, b.city_id, ci.state_id, b.latitude, b.longitude,
         h.rating, h.review_count, h.holding_date, lower(ci.city_name), coalesce(bc.category_ids, '{}')
  from business_effective b
  join city ci on ci.city_id = b.city_id
  left join lateral (
    select rating, review_count, holding_date from business_holding
    where business_id = b.business_id
    order by holding_date desc
    limit 1
  ) h on true
  -- Grouped, as business_detail's categories (migration 0160), for a first load's single call.
  left join (
    select business_id, array_agg(category_id order by category_id) as category_ids
    from business_category_bridge
    where valid_to is null and business_id = any(ids)
    group by business_id
  ) bc on bc.business_id = b.business_id
  where b.business_id = any(ids)
  on conflict (business_id) do update
  set yelp_id = excluded.yelp_id, alias = excluded.alias, name = excluded.name,
      payment_level_id = excluded.payment_level_id, is_closed = excluded.is_closed,
      listed = excluded.listed, city_id = excluded.city_id, state_id = excluded.state_id,
      latitude = excluded.latitude, longitude = excluded.longitude, rating = excluded.rating,
      review_count = excluded.review_count, holding_date = excluded.holding_date,
      city_name_lower = excluded.city_name_lower, category_ids = excluded.category_ids
  where business_current is distinct from excluded
$$;

-- A category bridge row now changes both read models; a transaction bridge row only the detail.
create or replace function business_detail_bridge_changed() returns trigger language plpgsql as $$
declare
  ids int[] := array(select distinct business_id from changed_rows);
begin
  if tg_table_name = 'business_category_bridge' then
    perform refresh_business_read_models(ids);
  else
    perform refresh_business_detail(ids);
  end if;
  return null;
end
$$;

select refresh_business_current(array(select business_id from business));
alter table business_current alter column category_ids drop default;

-- The sort indexes (migration 0100) and the state and city indexes in name order (0150), each with
-- every filtered column: name_lower (q), state_id, city_name_lower, payment_level_id, rating,
-- is_closed, category_ids, and the rating or review count itself where the key is its coalesce
-- (an index-only scan needs the column, not only the expression).
drop index business_current_id_idx;
drop index business_current_name_idx;
drop index business_current_rating_idx;
drop index business_current_review_count_idx;
drop index business_current_state_name_idx;
drop index business_current_city_name_idx;
create index business_current_id_idx on business_current (business_id)
  include (name_lower, state_id, city_name_lower, payment_level_id, rating, is_closed, category_ids) where listed;
create index business_current_name_idx on business_current (name, business_id)
  include (name_lower, state_id, city_name_lower, payment_level_id, rating, is_closed, category_ids) where listed;
create index business_current_rating_idx on business_current ((coalesce(rating, -1)), business_id)
  include (name_lower, state_id, city_name_lower, payment_level_id, rating, is_closed, category_ids) where listed;
create index business_current_review_count_idx on business_current ((coalesce(review_count, -1)), business_id)
  include (name_lower, state_id, city_name_lower, payment_level_id, rating, is_closed, category_ids, review_count)
  where listed;
create index business_current_state_name_idx on business_current (state_id, name, business_id)
  include (name_lower, city_name_lower, payment_level_id, rating, is_closed, category_ids) where listed;
create index business_current_city_name_idx on business_current (city_name_lower, name, business_id)
  include (name_lower, state_id, payment_level_id, rating, is_closed, category_ids) where listed;
-- `q` where its matches are few: the trigram index, now on the column `q` reads.
drop index business_current_name_trgm_idx;
create index business_current_name_trgm_idx on business_current using gin (name_lower gin_trgm_ops) where listed;

analyze business_current;
