-- Moves the day's reviews and events into the normalized tables (after yelp.sql and bridge.sql).
-- New rows get ids in natural-key order (see yelp.sql); known rows are updated only by a load that
-- moves current state (stg_load) and only when a value differs. :run_date is a date literal.

-- Reviews and their users.
create temp table stg_user on commit drop as
select distinct on (yelp_user_id) yelp_user_id, user_profile_url, user_image_url, user_name
from stg_review
order by yelp_user_id, time_created desc;

update yelp_user u
set profile_url = s.user_profile_url, image_url = s.user_image_url, name = s.user_name, updated_at = now()
from stg_user s
where u.yelp_user_id = s.yelp_user_id
  and (select forward from stg_load)
  and (u.profile_url, u.image_url, u.name) is distinct from (s.user_profile_url, s.user_image_url, s.user_name);

insert into yelp_user (user_id, yelp_user_id, profile_url, image_url, name)
select (select coalesce(max(user_id), 0) from yelp_user) + row_number() over (order by s.yelp_user_id),
       s.yelp_user_id, s.user_profile_url, s.user_image_url, s.user_name
from stg_user s
where not exists (select 1 from yelp_user u where u.yelp_user_id = s.yelp_user_id);

insert into stg_quarantine (source, entity, record_key, reason, record)
select 'yelp', 'review', r.yelp_review_id, 'review of an unknown business ' || r.yelp_id, null
from stg_review r
where not exists (select 1 from business bu where bu.yelp_id = r.yelp_id);

create temp table stg_review_row on commit drop as
select distinct on (r.yelp_review_id)
       r.yelp_review_id, bu.business_id, u.user_id, r.url, r.text, r.rating,
       -- Pacific time_created, converted to UTC when staged.
       r.time_created::timestamp at time zone 'UTC' as created_at
from stg_review r
join business bu on bu.yelp_id = r.yelp_id
join yelp_user u on u.yelp_user_id = r.yelp_user_id
order by r.yelp_review_id;

update review v
set business_id = r.business_id, user_id = r.user_id, url = r.url, text = r.text, rating = r.rating,
    created_at = r.created_at, updated_at = now()
from stg_review_row r
where v.yelp_review_id = r.yelp_review_id
  and (select forward from stg_load)
  and (v.business_id, v.user_id, v.url, v.text, v.rating, v.created_at)
      is distinct from (r.business_id, r.user_id, r.url, r.text, r.rating, r.created_at);

insert into review (review_id, yelp_review_id, business_id, user_id, url, text, rating, created_at)
select (select coalesce(max(review_id), 0) from review) + row_number() over (order by r.yelp_review_id),
       r.yelp_review_id, r.business_id, r.user_id, r.url, r.text, r.rating, r.created_at
from stg_review_row r
where not exists (select 1 from review v where v.yelp_review_id = r.yelp_review_id);

-- Events: their category (linked since 0002) and city.
insert into event_category (event_category_id, name)
select (select coalesce(max(event_category_id), 0) from event_category) + row_number() over (order by n.category),
       n.category
from (select distinct category from stg_event where category is not null) n
where not exists (select 1 from event_category c where c.name = n.category);

create temp table stg_event_placed on commit drop as
select distinct on (e.yelp_event_id)
       e.*, s.state_id,
       case when c.state_id = s.state_id then c.county_id end as city_county_id
from stg_event e
left join state s on s.state_code = e.state
left join county c on c.fips_code = e.county_fips
order by e.yelp_event_id, e.county_fips;

insert into city (city_id, city_name, state_id, county_id)
select (select coalesce(max(city_id), 0) from city)
         + row_number() over (order by n.state_id, n.city_county_id, n.city),
       n.city, n.state_id, n.city_county_id
from (
  select distinct city, state_id, city_county_id from stg_event_placed
  where city is not null and state_id is not null
) n
where not exists (
  select 1 from city ci
  where ci.city_name = n.city and ci.state_id = n.state_id
    and coalesce(ci.county_id, 0) = coalesce(n.city_county_id, 0)
);

-- In the columns' own types, so comparing with the stored row sees only real changes.
create temp table stg_event_row on commit drop as
select e.yelp_event_id, bu.business_id, ec.event_category_id, e.name, e.description, e.attending_count,
       e.interested_count, e.cost::numeric(12, 2) as cost, e.cost_max::numeric(12, 2) as cost_max,
       coalesce(e.is_free, false) as is_free,
       coalesce(e.is_canceled, false) as is_canceled, coalesce(e.is_official, false) as is_official,
       e.starts_at::timestamptz as starts_at, e.ends_at::timestamptz as ends_at, e.tickets_url,
       e.event_site_url, e.image_url, e.latitude::numeric(9, 6) as latitude,
       e.longitude::numeric(9, 6) as longitude, e.address1, e.zip_code, ci.city_id
from stg_event_placed e
left join business bu on bu.yelp_id = e.yelp_id
left join event_category ec on ec.name = e.category
left join city ci on ci.city_name = e.city and ci.state_id = e.state_id
                 and coalesce(ci.county_id, 0) = coalesce(e.city_county_id, 0);

update event v
set business_id = e.business_id, event_category_id = e.event_category_id, name = e.name,
    description = e.description, attending_count = e.attending_count,
    interested_count = e.interested_count, cost = e.cost, cost_max = e.cost_max, is_free = e.is_free,
    is_canceled = e.is_canceled, is_official = e.is_official, starts_at = e.starts_at,
    ends_at = e.ends_at, tickets_url = e.tickets_url, event_site_url = e.event_site_url,
    image_url = e.image_url, latitude = e.latitude, longitude = e.longitude, address1 = e.address1,
    zip_code = e.zip_code, city_id = e.city_id, updated_at = now()
from stg_event_row e
where v.yelp_event_id = e.yelp_event_id
  and (select forward from stg_load)
  and (v.business_id, v.event_category_id, v.name, v.description, v.attending_count,
       v.interested_count, v.cost, v.cost_max, v.is_free, v.is_canceled, v.is_official, v.starts_at,
       v.ends_at, v.tickets_url, v.event_site_url, v.image_url, v.latitude, v.longitude, v.address1,
       v.zip_code, v.city_id)
      is distinct from
      (e.business_id, e.event_category_id, e.name, e.description, e.attending_count,
       e.interested_count, e.cost, e.cost_max, e.is_free, e.is_canceled, e.is_official, e.starts_at,
       e.ends_at, e.tickets_url, e.event_site_url, e.image_url, e.latitude, e.longitude, e.address1,
       e.zip_code, e.city_id);

insert into event (
  event_id, yelp_event_id, business_id, event_category_id, name, description, attending_count,
  interested_count, cost, cost_max, is_free, is_canceled, is_official, starts_at, ends_at, tickets_url,
  event_site_url, image_url, latitude, longitude, address1, zip_code, city_id
)
select (select coalesce(max(event_id), 0) from event) + row_number() over (order by e.yelp_event_id),
       e.yelp_event_id, e.business_id, e.event_category_id, e.name, e.description, e.attending_count,
       e.interested_count, e.cost, e.cost_max, e.is_free, e.is_canceled, e.is_official, e.starts_at,
       e.ends_at, e.tickets_url, e.event_site_url, e.image_url, e.latitude, e.longitude, e.address1,
       e.zip_code, e.city_id
from stg_event_row e
where not exists (select 1 from event v where v.yelp_event_id = e.yelp_event_id);
