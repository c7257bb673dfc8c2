-- A minimal geography for benchmark businesses: one state, 100 counties with a city each.
insert into country (country_code, country_name) values ('US', 'United States');
insert into state (state_name, state_code, fips_code, country_id) values ('Virginia', 'VA', '51', 1);
insert into county (fips_code, county_name, state_id)
select (51000 + g)::text, 'County ' || g, 1 from generate_series(1, 100) g;
insert into county_population (county_id, year, population)
select county_id, 2021, 10000 + county_id * 37 from county;
insert into city (city_name, state_id, county_id) select 'City ' || county_id, 1, county_id from county;
