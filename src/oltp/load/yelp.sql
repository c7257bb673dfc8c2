-- Moves one day's staged Yelp pull into the normalized tables, set-based. Every update changes a
-- row (and bumps updated_at) only when a value differs, so re-running a date changes nothing, and
-- an older date never moves current values back (source-load.sql, last_seen).
-- :run_date is replaced by the load with a date literal.

-- Temporary tables have no statistics until analyzed; without them a million-row load gets
-- nested-loop plans. Only the columns joins, groups and sorts use: analyzing every column (long
-- text: names, urls) took a quarter of a first load, and the row counts come with any column.
analyze stg_business (yelp_id, state, county_fips, price, city);
analyze stg_business_category (yelp_id, alias);
analyze stg_business_transaction (yelp_id, name);
analyze stg_review (yelp_review_id, yelp_id, yelp_user_id);
analyze stg_event (yelp_event_id, yelp_id, category, state, county_fips, city);

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
analyze stg_business_placed (yelp_id, city, state_id, city_county_id);

-- New rows get max(id) + row_number() in natural-key order (sequences.sql): only new keys take
-- an id, and the same input gets the same ids after any crash. Existing rows are updated apart.
insert into city (city_id, city_name, state_id, county_id)
select (select coalesce(max(city_id), 0) from city)
         + row_number() over (order by n.state_id, n.city_county_id, n.city),
       n.city, n.state_id, n.city_county_id
from (select distinct city, state_id, city_county_id from stg_business_placed) n
where not exists (
  select 1 from city ci
  where ci.city_name = n.city and ci.state_id = n.state_id
    and coalesce(ci.county_id, 0) = coalesce(n.city_county_id, 0)
);

-- In the columns' own types, so comparing with the stored row sees only real changes.
create temp table stg_business_row on commit drop as
select b.yelp_id, b.alias, b.name, b.url, b.image_url, b.phone, b.display_phone, b.payment_level_id,
       b.latitude::numeric(9, 6) as latitude, b.longitude::numeric(9, 6) as longitude, b.address1,
       b.address2_clean as address2, b.address3_clean as address3, b.zip_code, ci.city_id, b.county_id,
       b.distance as distance_m
from stg_business_placed b
-- coalesce, not "is not distinct from": only an equality join can be hashed at a million rows.
join city ci on ci.city_name = b.city and ci.state_id = b.state_id
            and coalesce(ci.county_id, 0) = coalesce(b.city_county_id, 0);
analyze stg_business_row (yelp_id, city_id);

-- A business's current attributes come from its latest sighting: a date before its last_seen only
-- moves first_seen back. A business closed after this date stays closed.
update business bu
set alias = b.alias, name = b.name, url = b.url, image_url = b.image_url, phone = b.phone,
    display_phone = b.display_phone, payment_level_id = b.payment_level_id, latitude = b.latitude,
    longitude = b.longitude, address1 = b.address1, address2 = b.address2, address3 = b.address3,
    zip_code = b.zip_code, city_id = b.city_id, county_id = b.county_id, distance_m = b.distance_m,
    is_closed = coalesce(bu.is_closed and bu.valid_to > :run_date, false),
    valid_to = case when bu.valid_to > :run_date then bu.valid_to end,
    first_seen = least(bu.first_seen, :run_date),
    last_seen = :run_date,
    -- last_seen moves every day; only a change of what the business is counts as an update.
    updated_at = case
      when (bu.alias, bu.name, bu.url, bu.image_url, bu.phone, bu.display_phone, bu.payment_level_id,
            bu.latitude, bu.longitude, bu.address1, bu.address2, bu.address3, bu.zip_code, bu.city_id,
            bu.county_id, bu.distance_m, bu.is_closed, bu.valid_to)
           is distinct from
           (b.alias, b.name, b.url, b.image_url, b.phone, b.display_phone, b.payment_level_id,
            b.latitude, b.longitude, b.address1, b.address2, b.address3, b.zip_code, b.city_id,
            b.county_id, b.distance_m, coalesce(bu.is_closed and bu.valid_to > :run_date, false),
            case when bu.valid_to > :run_date then bu.valid_to end)
      then now() else bu.updated_at end
from stg_business_row b
where bu.yelp_id = b.yelp_id
  and bu.last_seen <= :run_date
  and (bu.alias, bu.name, bu.url, bu.image_url, bu.phone, bu.display_phone, bu.payment_level_id,
       bu.latitude, bu.longitude, bu.address1, bu.address2, bu.address3, bu.zip_code, bu.city_id,
       bu.county_id, bu.distance_m, bu.is_closed, bu.valid_to, bu.first_seen, bu.last_seen)
      is distinct from
      (b.alias, b.name, b.url, b.image_url, b.phone, b.display_phone, b.payment_level_id,
       b.latitude, b.longitude, b.address1, b.address2, b.address3, b.zip_code, b.city_id,
       b.county_id, b.distance_m, coalesce(bu.is_closed and bu.valid_to > :run_date, false),
       case when bu.valid_to > :run_date then bu.valid_to end,
       least(bu.first_seen, :run_date), :run_date);

update business bu
set first_seen = :run_date
from stg_business_row b
where bu.yelp_id = b.yelp_id and bu.last_seen > :run_date and bu.first_seen > :run_date;

-- Inserted after the updates, so a first load does not compare the rows it has just inserted.
insert into business (
  business_id, yelp_id, alias, name, url, image_url, phone, display_phone, payment_level_id, latitude,
  longitude, address1, address2, address3, zip_code, city_id, county_id, distance_m, is_closed,
  first_seen, last_seen, valid_to
)
select (select coalesce(max(business_id), 0) from business) + row_number() over (order by b.yelp_id),
       b.yelp_id, b.alias, b.name, b.url, b.image_url, b.phone, b.display_phone, b.payment_level_id,
       b.latitude, b.longitude, b.address1, b.address2, b.address3, b.zip_code, b.city_id, b.county_id,
       b.distance_m, false, :run_date, :run_date, null
from stg_business_row b
where not exists (select 1 from business bu where bu.yelp_id = b.yelp_id);

-- Closed: gone from a fully covered county's search, the details endpoint confirmed it, and not
-- seen on this date or after it.
update business
set is_closed = true, valid_to = :run_date, updated_at = now()
where yelp_id in (select yelp_id from stg_closed)
  and not is_closed
  and last_seen < :run_date
  and yelp_id not in (select yelp_id from stg_business_placed);

-- The day's history row of every business seen that day.
insert into business_holding (business_id, holding_date, rating, review_count)
select bu.business_id, :run_date, b.rating, b.review_count
from stg_business_placed b
join business bu on bu.yelp_id = b.yelp_id
on conflict (business_id, holding_date) do update
set rating = excluded.rating, review_count = excluded.review_count, updated_at = now()
where (business_holding.rating, business_holding.review_count)
      is distinct from (excluded.rating, excluded.review_count);

-- Categories: the /v3/categories list, plus any alias a business carries that the list lacks.
-- Only a load that moves current state (stg_load) changes a known category.
create temp table stg_category_list on commit drop as
select distinct on (alias) alias, title, parent_alias from stg_category order by alias;

update business_category c
set title = l.title, parent_alias = l.parent_alias, valid_to = null, updated_at = now()
from stg_category_list l
where c.alias = l.alias
  and (select forward from stg_load)
  and (c.title, c.parent_alias, c.valid_to) is distinct from (l.title, l.parent_alias, null::date);

insert into business_category (category_id, alias, title, parent_alias)
select (select coalesce(max(category_id), 0) from business_category) + row_number() over (order by n.alias),
       n.alias, n.title, n.parent_alias
from (
  select alias, title, parent_alias from stg_category_list
  union all
  (select distinct on (alias) alias, title, null::text from stg_business_category
   where alias not in (select alias from stg_category_list)
   order by alias)
) n
where not exists (select 1 from business_category c where c.alias = n.alias);

-- The (business, category) and (business, transaction type) pairs of the businesses whose latest
-- sighting is this date, for bridge.sql.
create temp table stg_category_pair on commit drop as
select distinct bu.business_id, c.category_id
from stg_business_category s
join stg_business_placed b on b.yelp_id = s.yelp_id
join business bu on bu.yelp_id = s.yelp_id and bu.last_seen = :run_date
join business_category c on c.alias = s.alias;
analyze stg_category_pair (business_id, category_id);

insert into transaction_type (transaction_type_id, name)
select (select coalesce(max(transaction_type_id), 0) from transaction_type) + row_number() over (order by n.name),
       n.name
from (select distinct name from stg_business_transaction) n
where not exists (select 1 from transaction_type t where t.name = n.name);

create temp table stg_transaction_pair on commit drop as
select distinct bu.business_id, t.transaction_type_id
from stg_business_transaction s
join stg_business_placed b on b.yelp_id = s.yelp_id
join business bu on bu.yelp_id = s.yelp_id and bu.last_seen = :run_date
join transaction_type t on t.name = s.name;
analyze stg_transaction_pair (business_id, transaction_type_id);

-- bridge.sql then ends and (re)opens the rows of both bridges from these pair tables.
