-- Staging tables of one load: temporary, gone at commit. Everything arrives as text (COPY csv)
-- and is cast once, set-based, when moved into the normalized tables.

create temp table stg_quarantine (
  source text, entity text, record_key text, reason text, record jsonb
) on commit drop;

create temp table stg_state_page (name text, code text) on commit drop;

create temp table stg_census_county (
  fips text, county_name text, state_fips text, state_name text
) on commit drop;

create temp table stg_county_population (county_fips text, year int, population int) on commit drop;

create temp table stg_business (
  yelp_id text, alias text, name text, url text, image_url text, phone text, display_phone text,
  price text, rating numeric, review_count int, latitude numeric, longitude numeric,
  address1 text, address2 text, address3 text, city text, zip_code text, country text, state text,
  county_fips text, distance double precision
) on commit drop;

create temp table stg_business_category (yelp_id text, alias text, title text) on commit drop;

create temp table stg_business_transaction (yelp_id text, name text) on commit drop;

create temp table stg_category (alias text, title text, parent_alias text) on commit drop;

create temp table stg_review (
  yelp_review_id text, yelp_id text, url text, text text, rating int, time_created text,
  yelp_user_id text, user_profile_url text, user_image_url text, user_name text
) on commit drop;

create temp table stg_event (
  yelp_event_id text, yelp_id text, name text, category text, description text,
  attending_count int, interested_count int, cost numeric, cost_max numeric,
  is_free boolean, is_canceled boolean, is_official boolean, starts_at text, ends_at text,
  tickets_url text, event_site_url text, image_url text, latitude numeric, longitude numeric,
  address1 text, city text, zip_code text, state text, county_fips text
) on commit drop;

create temp table stg_closed (yelp_id text) on commit drop;
