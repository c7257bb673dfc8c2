-- Moves the staged Census counties and states page into country, state, county and
-- county_population. Upserts touch a row (and its updated_at) only when a value changed.
-- :run_date is replaced by the load with a date literal.

insert into country (country_code, country_name)
values ('US', 'United States')
on conflict (country_code) do nothing;

-- States: the page gives name and USPS code; the Census names it (proper case) and gives FIPS.
with census_state as (
  select distinct state_fips, state_name from stg_census_county
),
page as (
  select p.code,
         coalesce(c.state_name, p.name) as name,
         c.state_fips
  from stg_state_page p
  left join census_state c on lower(c.state_name) = lower(p.name)
)
insert into state (state_name, state_code, fips_code, country_id)
select name, code, state_fips, (select country_id from country where country_code = 'US')
from page
order by code
on conflict (state_code) do update
set state_name = excluded.state_name, fips_code = excluded.fips_code, updated_at = now()
where (state.state_name, state.fips_code) is distinct from (excluded.state_name, excluded.fips_code);

-- A Census state the page does not list cannot be given a USPS code: report its counties.
insert into stg_quarantine (source, entity, record_key, reason, record)
select 'census', 'county', c.fips, 'state ' || c.state_name || ' (FIPS ' || c.state_fips || ') is not on the states page',
       jsonb_build_object('fips', c.fips, 'name', c.county_name, 'state', c.state_name)
from stg_census_county c
where not exists (select 1 from state s where s.fips_code = c.state_fips);

insert into county (fips_code, county_name, state_id)
select c.fips, c.county_name, s.state_id
from stg_census_county c
join state s on s.fips_code = c.state_fips
order by c.fips
on conflict (fips_code) do update
set county_name = excluded.county_name, state_id = excluded.state_id, updated_at = now()
where (county.county_name, county.state_id) is distinct from (excluded.county_name, excluded.state_id);

insert into county_population (county_id, year, population)
select c.county_id, p.year, p.population
from stg_county_population p
join county c on c.fips_code = p.county_fips
on conflict (county_id, year) do update
set population = excluded.population, updated_at = now()
where county_population.population is distinct from excluded.population;
