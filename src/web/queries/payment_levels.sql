-- Payment level against rating and review growth between the two latest holding dates
-- (the original's headline finding: low-cost places gain the most reviews, ratings barely move).
with days as (
  select holding_date from business_holding group by holding_date order by holding_date desc limit 2
),
latest as (select max(holding_date) as d from days),
previous as (select min(holding_date) as d from days)
select
  coalesce(pl.symbol, '?') as symbol,
  coalesce(pl.name, 'Unknown') as name,
  count(*)::int as businesses,
  round(avg(now_h.rating), 2)::float8 as avg_rating,
  coalesce(sum(now_h.review_count - prev_h.review_count), 0)::int as reviews_gained
from business_effective b
join business_holding now_h on now_h.business_id = b.business_id and now_h.holding_date = (select d from latest)
left join business_holding prev_h
  on prev_h.business_id = b.business_id and prev_h.holding_date = (select d from previous)
  and (select d from previous) < (select d from latest)
left join payment_level pl using (payment_level_id)
group by pl.payment_level_id, pl.symbol, pl.name
order by pl.payment_level_id nulls last
