-- Read-only views over the run history for `gourmand status`, /metrics and the dashboard.

-- The latest verdict of every check for each run date, then the share that passed.
create view ops.check_pass_rate_daily as
with latest as (
  select distinct on (run_date, check_name, entity) run_date, check_name, entity, status
  from ops.check_result
  order by run_date, check_name, entity, checked_at desc, check_result_id desc
)
select
  run_date,
  count(*)::int                                   as checks,
  (count(*) filter (where status = 'pass'))::int  as passed,
  (count(*) filter (where status = 'warn'))::int  as warned,
  (count(*) filter (where status = 'fail'))::int  as failed,
  round((count(*) filter (where status = 'pass'))::numeric / count(*), 4) as pass_rate
from latest
group by run_date;

-- Rows and duration of each task in each run (its last attempt; skipped tasks never ran).
create view ops.task_stats as
select distinct on (t.run_id, t.task_name)
  t.run_id,
  r.run_date,
  r.executor,
  t.task_name,
  t.status,
  t.attempt                                            as attempts,
  t.rows,
  extract(epoch from (t.ended_at - t.started_at))::float8 as duration_seconds,
  t.started_at,
  t.ended_at
from ops.task_run t
join ops.pipeline_run r on r.run_id = t.run_id
where t.status not in ('running', 'skipped')
order by t.run_id, t.task_name, t.attempt desc;

-- Median and 95th percentile duration of each task over its last 30 succeeded runs.
create view ops.task_duration_stats as
with recent as (
  select task_name, duration_seconds, rows,
         row_number() over (partition by task_name order by run_id desc) as recency
  from ops.task_stats
  where status = 'succeeded'
)
select
  task_name,
  count(*)::int                                                          as runs,
  percentile_cont(0.5) within group (order by duration_seconds)::float8  as p50_seconds,
  percentile_cont(0.95) within group (order by duration_seconds)::float8 as p95_seconds,
  avg(rows)::float8                                                      as avg_rows
from recent
where recency <= 30
group by task_name;

-- How current the data is: the source's latest daily holding, the warehouse's (as the last
-- freshness check saw it) and the last run date that succeeded.
create view ops.data_freshness as
with last_check as (
  select details, status, checked_at
  from ops.check_result
  where check_name = 'freshness'
  order by checked_at desc, check_result_id desc
  limit 1
)
select
  (select max(holding_date) from business_holding)                as source_latest,
  (select (details ->> 'warehouse')::date from last_check)        as warehouse_latest,
  (select max(run_date) from ops.pipeline_run where status = 'succeeded' and executor <> 'task')
                                                                  as last_succeeded_run_date,
  (select status from last_check)                                 as freshness_status,
  (select checked_at from last_check)                             as checked_at;
