-- Moves the staged Census counties and states page into country, state, county and
-- county_population. New rows get ids max(id) + row_number() in natural-key order (sequences.sql);
-- known rows are updated only when a value changed, and only by a load that moves current state
-- (stg_load, source-load.sql). :run_date is replaced by the load with a date literal.

insert into country (country_id, country_code, country_name)
select (select coalesce(max(country_id), 0) from country) + 1, 'US', 'United States'
where not exists (select 1 from country where country_code = 'US');

-- States: the page gives name and USPS code; the Census names it (proper case) and gives FIPS.
create temp table stg_state on commit drop as
with census_state as (
  select distinct state_fips, state_name from stg_census_county
)
select p.code,
       coalesce(c.state_name, p.name) as name,
       c.state_fips
from stg_state_page p
left join census_state c on lower(c.state_name) = lower(p.name);

update state s
set state_name = n.name, fips_code = n.state_fips, updated_at = now()
from stg_state n
where s.state_code = n.code
  and (select forward from stg_load)
  and (s.state_name, s.fips_code) is distinct from (n.name, n.state_fips);

insert into state (state_id, state_name, state_code, fips_code, country_id)
select (select coalesce(max(state_id), 0) from state) + row_number() over (order by n.code),
       n.name, n.code, n.state_fips, (select country_id from country where country_code = 'US')
from stg_state n
where not exists (select 1 from state s where s.state_code = n.code);

-- A Census state the page does not list cannot be given a USPS code: report its counties.
insert into stg_quarantine (source, entity, record_key, reason, record)
select 'census', 'county', c.fips, 'state ' || c.state_name || ' (FIPS ' || c.state_fips || ') is not on the states page',
       jsonb_build_object('fips', c.fips, 'name', c.county_name, 'state', c.state_name)
from stg_census_county c
where not exists (select 1 from state s where s.fips_code = c.state_fips);

create temp table stg_county on commit drop as
select c.fips, c.county_name, s.state_id
from stg_census_county c
join state s on s.fips_code = c.state_fips;

update county co
set county_name = n.county_name, state_id = n.state_id, updated_at = now()
from stg_county n
where co.fips_code = n.fips
  and (select forward from stg_load)
  and (co.county_name, co.state_id) is distinct from (n.county_name, n.state_id);

insert into county (county_id, fips_code, county_name, state_id)
select (select coalesce(max(county_id), 0) from county) + row_number() over (order by n.fips),
       n.fips, n.county_name, n.state_id
from stg_county n
where not exists (select 1 from county co where co.fips_code = n.fips);

insert into county_population (county_id, year, population)
select c.county_id, p.year, p.population
from stg_county_population p
join county c on c.fips_code = p.county_fips
on conflict (county_id, year) do update
set population = excluded.population, updated_at = now()
where (select forward from stg_load)
  and county_population.population is distinct from excluded.population;
