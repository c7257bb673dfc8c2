-- Moves the day's reviews and events into the normalized tables (after yelp.sql and bridge.sql).
-- Upserts change a row only when a value differs. :run_date is replaced with a date literal.

-- Reviews and their users.
insert into yelp_user (yelp_user_id, profile_url, image_url, name)
select distinct on (yelp_user_id) yelp_user_id, user_profile_url, user_image_url, user_name
from stg_review
order by yelp_user_id, time_created desc
on conflict (yelp_user_id) do update
set profile_url = excluded.profile_url, image_url = excluded.image_url, name = excluded.name,
    updated_at = now()
where (yelp_user.profile_url, yelp_user.image_url, yelp_user.name)
      is distinct from (excluded.profile_url, excluded.image_url, excluded.name);

insert into stg_quarantine (source, entity, record_key, reason, record)
select 'yelp', 'review', r.yelp_review_id, 'review of an unknown business ' || r.yelp_id, null
from stg_review r
where not exists (select 1 from business bu where bu.yelp_id = r.yelp_id);

insert into review (yelp_review_id, business_id, user_id, url, text, rating, created_at)
select distinct on (r.yelp_review_id)
       r.yelp_review_id, bu.business_id, u.user_id, r.url, r.text, r.rating,
       -- Pacific time_created, converted to UTC when staged.
       r.time_created::timestamp at time zone 'UTC'
from stg_review r
join business bu on bu.yelp_id = r.yelp_id
join yelp_user u on u.yelp_user_id = r.yelp_user_id
order by r.yelp_review_id
on conflict (yelp_review_id) do update
set business_id = excluded.business_id, user_id = excluded.user_id, url = excluded.url,
    text = excluded.text, rating = excluded.rating, created_at = excluded.created_at, updated_at = now()
where (review.business_id, review.user_id, review.url, review.text, review.rating, review.created_at)
      is distinct from
      (excluded.business_id, excluded.user_id, excluded.url, excluded.text, excluded.rating, excluded.created_at);

-- Events: their category (linked since 0002) and city.
insert into event_category (name)
select distinct category from stg_event where category is not null
order by category
on conflict (name) do nothing;

create temp table stg_event_placed on commit drop as
select distinct on (e.yelp_event_id)
       e.*, s.state_id,
       case when c.state_id = s.state_id then c.county_id end as city_county_id
from stg_event e
left join state s on s.state_code = e.state
left join county c on c.fips_code = e.county_fips
order by e.yelp_event_id, e.county_fips;

insert into city (city_name, state_id, county_id)
select distinct city, state_id, city_county_id from stg_event_placed
where city is not null and state_id is not null
order by state_id, city_county_id, city
on conflict (state_id, county_id, city_name) do nothing;

insert into event (
  yelp_event_id, business_id, event_category_id, name, description, attending_count, interested_count,
  cost, cost_max, is_free, is_canceled, is_official, starts_at, ends_at, tickets_url, event_site_url,
  image_url, latitude, longitude, address1, zip_code, city_id
)
select e.yelp_event_id, bu.business_id, ec.event_category_id, e.name, e.description, e.attending_count,
       e.interested_count, e.cost, e.cost_max, coalesce(e.is_free, false), coalesce(e.is_canceled, false),
       coalesce(e.is_official, false), e.starts_at::timestamptz, e.ends_at::timestamptz, e.tickets_url,
       e.event_site_url, e.image_url, e.latitude, e.longitude, e.address1, e.zip_code, ci.city_id
from stg_event_placed e
left join business bu on bu.yelp_id = e.yelp_id
left join event_category ec on ec.name = e.category
left join city ci on ci.city_name = e.city and ci.state_id = e.state_id
                 and coalesce(ci.county_id, 0) = coalesce(e.city_county_id, 0)
order by e.yelp_event_id
on conflict (yelp_event_id) do update
set business_id = excluded.business_id, event_category_id = excluded.event_category_id,
    name = excluded.name, description = excluded.description, attending_count = excluded.attending_count,
    interested_count = excluded.interested_count, cost = excluded.cost, cost_max = excluded.cost_max,
    is_free = excluded.is_free, is_canceled = excluded.is_canceled, is_official = excluded.is_official,
    starts_at = excluded.starts_at, ends_at = excluded.ends_at, tickets_url = excluded.tickets_url,
    event_site_url = excluded.event_site_url, image_url = excluded.image_url, latitude = excluded.latitude,
    longitude = excluded.longitude, address1 = excluded.address1, zip_code = excluded.zip_code,
    city_id = excluded.city_id, updated_at = now()
where (event.business_id, event.event_category_id, event.name, event.description, event.attending_count,
       event.interested_count, event.cost, event.cost_max, event.is_free, event.is_canceled,
       event.is_official, event.starts_at, event.ends_at, event.tickets_url, event.event_site_url,
       event.image_url, event.latitude, event.longitude, event.address1, event.zip_code, event.city_id)
      is distinct from
      (excluded.business_id, excluded.event_category_id, excluded.name, excluded.description,
       excluded.attending_count, excluded.interested_count, excluded.cost, excluded.cost_max,
       excluded.is_free, excluded.is_canceled, excluded.is_official, excluded.starts_at, excluded.ends_at,
       excluded.tickets_url, excluded.event_site_url, excluded.image_url, excluded.latitude,
       excluded.longitude, excluded.address1, excluded.zip_code, excluded.city_id);
