-- Open businesses and their latest review counts per state, with population for per-capita figures.
with latest as (
  select max(holding_date) as holding_date from business_holding
),
state_population as (
  select c.state_id, sum(p.population) as population
  from county_population p
  join county c using (county_id)
  where p.year = (select max(year) from county_population)
  group by c.state_id
)
select
  s.state_code,
  s.state_name,
  count(b.business_id)::int as businesses,
  coalesce(sum(h.review_count), 0)::int as reviews,
  sp.population::bigint as population
from business_effective b
join city ci using (city_id)
join state s on s.state_id = ci.state_id
left join business_holding h
  on h.business_id = b.business_id and h.holding_date = (select holding_date from latest)
left join state_population sp on sp.state_id = s.state_id
where not b.is_closed
group by s.state_code, s.state_name, sp.population
order by businesses desc, s.state_code
limit 15
