-- Bench data for bench/api.ts and the plan test (test/api/plans.test.ts): ten states, ten counties
-- (one city each) per state, twenty categories, N businesses (:businesses) with :days days of
-- holdings each. Set-based so a million businesses load in a few minutes. Spread so every filter
-- has selective and broad values: names from two of fifteen words, two categories and a price per
-- business (some none), 1 in 10 closed, 1 in 50 gone (soft-deleted), 1 in 97 without holdings.
-- Triggers off while seeding (the read models are filled once at the end, after ANALYZE, as a
-- first load does): on tables the migrations analyzed empty, their refreshes planned scans.
set session_replication_role = replica;
insert into country (country_code, country_name) values ('US', 'United States');
insert into state (state_code, state_name, fips_code, country_id)
select code, 'State ' || code, lpad((10 + n)::text, 2, '0'), 1
from unnest(array['NC', 'VA', 'SC', 'GA', 'TN', 'KY', 'MD', 'PA', 'NY', 'OH']) with ordinality as s(code, n);
insert into county (fips_code, county_name, state_id)
select s.fips_code || lpad((i * 2 + 1)::text, 3, '0'), 'County ' || s.state_id || '-' || i, s.state_id
from state s, generate_series(1, 10) i;
insert into county_population (county_id, year, population)
select county_id, 2023, 10000 * county_id from county;
insert into city (city_name, state_id, county_id)
select 'City ' || county_id, state_id, county_id from county;
insert into business_category (alias, title)
select alias, initcap(alias)
from unnest(array['pizza', 'coffee', 'thai', 'sushi', 'burgers', 'tacos', 'bakeries', 'bars', 'vegan', 'bbq',
                  'ramen', 'delis', 'diners', 'seafood', 'indian', 'greek', 'korean', 'wine_bars', 'tea', 'donuts']) alias;
insert into business (yelp_id, alias, name, payment_level_id, latitude, longitude, address1, zip_code,
                      city_id, county_id, is_closed, first_seen, last_seen, valid_to)
select 'yelp-' || i, 'business-' || i,
       w[1 + i % 15] || ' ' || w[1 + (i / 15) % 15] || ' ' || i,
       case when i % 13 <> 0 then 1 + i % 4 end, 35 + (i % 100) / 100.0, -78 - (i % 100) / 100.0,
       i || ' Main St', '27601', 1 + i % 100, 1 + i % 100, i % 10 = 0 or i % 50 = 1,
       date '2026-01-01', date '2026-01-01' + :days - 1,
       case when i % 50 = 1 then date '2026-01-01' + :days - 1 end
from generate_series(1, :businesses) i,
     (select array['Golden', 'Noodle', 'Pizza', 'Bean', 'Taco', 'Sushi', 'Burger', 'Garden', 'Dragon',
                   'Corner', 'Blue', 'Lucky', 'Royal', 'Happy', 'Urban'] as w) words;
insert into business_category_bridge (business_id, category_id)
select business_id, 1 + business_id % 20 from business
union
select business_id, 1 + (business_id / 20 + 7) % 20 from business;
insert into business_holding (business_id, holding_date, rating, review_count)
select business_id, date '2026-01-01' + d, round(((business_id + d) % 9) / 2.0 + 1, 1), business_id + d
from business, generate_series(0, :days - 1) d
where business_id % 97 <> 0;
set session_replication_role = origin;
analyze;
select refresh_business_read_models(array(select business_id from business));
