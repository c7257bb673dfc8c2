-- Every state with its latest county population estimates summed, and how many counties and
-- current businesses it holds.
with latest_population as (
  select distinct on (county_id) county_id, year, population
  from county_population
  order by county_id, year desc
)
select
  s.state_code as code,
  s.state_name as name,
  s.fips_code,
  (select sum(lp.population) from latest_population lp join county c using (county_id)
    where c.state_id = s.state_id)::bigint as population,
  (select max(lp.year) from latest_population lp join county c using (county_id)
    where c.state_id = s.state_id)::int as population_year,
  (select count(*) from county c where c.state_id = s.state_id)::int as county_count,
  (select count(*) from business_current b
    where b.state_id = s.state_id and b.listed)::int as business_count
from state s
order by s.state_code
