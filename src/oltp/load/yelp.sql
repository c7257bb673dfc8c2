-- Moves one day's staged Yelp pull into the normalized tables, set-based. Every upsert changes a
-- row (and bumps updated_at) only when a value differs, so re-running a date changes nothing.
-- :run_date is replaced by the load with a date literal.

-- Temporary tables have no statistics until analyzed; without them a million-row load gets
-- nested-loop plans.
analyze stg_business;
analyze stg_business_category;
analyze stg_business_transaction;
analyze stg_review;
analyze stg_event;

-- One row per business (a business can turn up under two counties' searches), placed in its
-- state and the county it was searched under.
create temp table stg_business_placed on commit drop as
select distinct on (b.yelp_id)
       b.*,
       s.state_id,
       c.county_id,
       -- The city lies in the searched county only when the business is in that county's state.
       case when c.state_id = s.state_id then c.county_id end as city_county_id,
       p.payment_level_id,
       nullif(b.address2, '') as address2_clean,
       nullif(b.address3, '') as address3_clean
from stg_business b
left join state s on s.state_code = b.state
left join county c on c.fips_code = b.county_fips
left join payment_level p on p.symbol = b.price
order by b.yelp_id, b.county_fips;

insert into stg_quarantine (source, entity, record_key, reason, record)
select 'yelp', 'business', yelp_id,
       case when state_id is null then 'unknown state abbreviation ' || coalesce(state, '(none)')
            else 'unknown county FIPS ' || coalesce(county_fips, '(none)') end,
       jsonb_build_object('id', yelp_id, 'alias', alias, 'city', city, 'state', state, 'county', county_fips)
from stg_business_placed
where state_id is null or county_id is null;

delete from stg_business_placed where state_id is null or county_id is null;
analyze stg_business_placed;

insert into city (city_name, state_id, county_id)
select distinct city, state_id, city_county_id from stg_business_placed
order by state_id, city_county_id, city
on conflict (state_id, county_id, city_name) do nothing;

insert into business (
  yelp_id, alias, name, url, image_url, phone, display_phone, payment_level_id, latitude, longitude,
  address1, address2, address3, zip_code, city_id, county_id, distance_m, is_closed,
  first_seen, last_seen, valid_to
)
select b.yelp_id, b.alias, b.name, b.url, b.image_url, b.phone, b.display_phone, b.payment_level_id,
       b.latitude, b.longitude, b.address1, b.address2_clean, b.address3_clean, b.zip_code, ci.city_id,
       b.county_id, b.distance, false, :run_date, :run_date, null
from stg_business_placed b
-- coalesce, not "is not distinct from": only an equality join can be hashed at a million rows.
join city ci on ci.city_name = b.city and ci.state_id = b.state_id
            and coalesce(ci.county_id, 0) = coalesce(b.city_county_id, 0)
order by b.yelp_id
on conflict (yelp_id) do update
set alias = excluded.alias, name = excluded.name, url = excluded.url, image_url = excluded.image_url,
    phone = excluded.phone, display_phone = excluded.display_phone,
    payment_level_id = excluded.payment_level_id, latitude = excluded.latitude,
    longitude = excluded.longitude, address1 = excluded.address1, address2 = excluded.address2,
    address3 = excluded.address3, zip_code = excluded.zip_code, city_id = excluded.city_id,
    county_id = excluded.county_id, distance_m = excluded.distance_m, is_closed = false, valid_to = null,
    first_seen = least(business.first_seen, excluded.first_seen),
    last_seen = greatest(business.last_seen, excluded.last_seen),
    -- last_seen moves every day; only a change of what the business is counts as an update.
    updated_at = case
      when (business.alias, business.name, business.url, business.image_url, business.phone,
            business.display_phone, business.payment_level_id, business.latitude, business.longitude,
            business.address1, business.address2, business.address3, business.zip_code, business.city_id,
            business.county_id, business.distance_m, business.is_closed, business.valid_to)
           is distinct from
           (excluded.alias, excluded.name, excluded.url, excluded.image_url, excluded.phone,
            excluded.display_phone, excluded.payment_level_id, excluded.latitude, excluded.longitude,
            excluded.address1, excluded.address2, excluded.address3, excluded.zip_code, excluded.city_id,
            excluded.county_id, excluded.distance_m, false, null::date)
      then now() else business.updated_at end
where (business.alias, business.name, business.url, business.image_url, business.phone,
       business.display_phone, business.payment_level_id, business.latitude, business.longitude,
       business.address1, business.address2, business.address3, business.zip_code, business.city_id,
       business.county_id, business.distance_m, business.is_closed, business.valid_to,
       business.first_seen, business.last_seen)
      is distinct from
      (excluded.alias, excluded.name, excluded.url, excluded.image_url, excluded.phone,
       excluded.display_phone, excluded.payment_level_id, excluded.latitude, excluded.longitude,
       excluded.address1, excluded.address2, excluded.address3, excluded.zip_code, excluded.city_id,
       excluded.county_id, excluded.distance_m, false, null::date,
       least(business.first_seen, excluded.first_seen), greatest(business.last_seen, excluded.last_seen));

-- Closed: gone from a fully covered county's search, and the details endpoint confirmed it.
update business
set is_closed = true, valid_to = :run_date, updated_at = now()
where yelp_id in (select yelp_id from stg_closed)
  and not is_closed
  and yelp_id not in (select yelp_id from stg_business_placed);

-- The day's history row of every business seen today.
insert into business_holding (business_id, holding_date, rating, review_count)
select bu.business_id, :run_date, b.rating, b.review_count
from stg_business_placed b
join business bu on bu.yelp_id = b.yelp_id
on conflict (business_id, holding_date) do update
set rating = excluded.rating, review_count = excluded.review_count, updated_at = now()
where (business_holding.rating, business_holding.review_count)
      is distinct from (excluded.rating, excluded.review_count);

-- Categories: the /v3/categories list, plus any alias a business carries that the list lacks.
insert into business_category (alias, title, parent_alias)
select distinct on (alias) alias, title, parent_alias from stg_category order by alias
on conflict (alias) do update
set title = excluded.title, parent_alias = excluded.parent_alias, valid_to = null, updated_at = now()
where (business_category.title, business_category.parent_alias, business_category.valid_to)
      is distinct from (excluded.title, excluded.parent_alias, null::date);

insert into business_category (alias, title)
select distinct on (alias) alias, title from stg_business_category order by alias
on conflict (alias) do nothing;

-- Today's (business, category) and (business, transaction type) pairs, for bridge.sql.
create temp table stg_category_pair on commit drop as
select distinct bu.business_id, c.category_id
from stg_business_category s
join stg_business_placed b on b.yelp_id = s.yelp_id
join business bu on bu.yelp_id = s.yelp_id
join business_category c on c.alias = s.alias;
analyze stg_category_pair;

insert into transaction_type (name)
select distinct name from stg_business_transaction
order by name
on conflict (name) do nothing;

create temp table stg_transaction_pair on commit drop as
select distinct bu.business_id, t.transaction_type_id
from stg_business_transaction s
join stg_business_placed b on b.yelp_id = s.yelp_id
join business bu on bu.yelp_id = s.yelp_id
join transaction_type t on t.name = s.name;
analyze stg_transaction_pair;

-- bridge.sql then ends and (re)opens the rows of both bridges from these pair tables.
