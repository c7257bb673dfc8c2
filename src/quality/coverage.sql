-- Each source's current pull pass (ops.coverage_pass): counties pulled since it started, failed on
-- the source's latest pull date, still to pull (of the counties in the database), and the oldest
-- latest pull of any county (how stale the least fresh county is).
select p.source,
       p.pass_started,
       pulled.n::int as pulled,
       (select count(*)::int from ops.coverage f
        where f.source = p.source and f.status = 'failed'
          and f.run_date = (select max(run_date) from ops.coverage l where l.source = p.source)) as failed,
       greatest(0, (select count(*) from county) - pulled.n)::int as not_yet_pulled,
       (select min(last_pulled) from (
          select max(run_date) as last_pulled from ops.coverage o
          where o.source = p.source and o.status = 'pulled' group by county_fips) latest) as oldest_pull
from ops.coverage_pass p
cross join lateral (
  select count(distinct county_fips) as n from ops.coverage c
  where c.source = p.source and c.status = 'pulled' and c.run_date >= p.pass_started
) pulled
order by p.source
