-- Bench data for bench/api.ts: one state, 20 counties and cities, N businesses (:businesses), three
-- categories and 30 days of holdings each. Set-based so 10,000 businesses load in seconds.
insert into country (country_code, country_name) values ('US', 'United States');
insert into state (state_code, state_name, fips_code, country_id) values ('NC', 'North Carolina', '37', 1);
insert into county (fips_code, county_name, state_id)
select '37' || lpad((i * 2 + 1)::text, 3, '0'), 'County ' || i, 1 from generate_series(1, 20) i;
insert into county_population (county_id, year, population)
select county_id, 2023, 10000 * county_id from county;
insert into city (city_name, state_id, county_id)
select 'City ' || county_id, 1, county_id from county;
insert into business_category (alias, title) values ('pizza', 'Pizza'), ('coffee', 'Coffee'), ('thai', 'Thai');
insert into business (yelp_id, alias, name, payment_level_id, latitude, longitude, address1, zip_code,
                      city_id, county_id, is_closed, first_seen, last_seen)
select 'yelp-' || i, 'business-' || i, 'Business ' || i, 1 + i % 4, 35 + (i % 100) / 100.0, -78 - (i % 100) / 100.0,
       i || ' Main St', '27601', 1 + i % 20, 1 + i % 20, i % 10 = 0, date '2026-01-01', date '2026-01-30'
from generate_series(1, :businesses) i;
insert into business_category_bridge (business_id, category_id)
select business_id, 1 + business_id % 3 from business;
insert into business_holding (business_id, holding_date, rating, review_count)
select business_id, date '2026-01-01' + d, round(((business_id + d) % 9) / 2.0 + 1, 1), business_id + d
from business, generate_series(0, 29) d;
