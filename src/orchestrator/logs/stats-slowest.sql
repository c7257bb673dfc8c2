-- The slowest steps: each task's succeeded attempts, by their longest duration.
select json ->> 'task' as task,
       count(*) as runs,
       round(avg((json ->> 'ms')::double) / 1000, 1) as avg_s,
       round(max((json ->> 'ms')::double) / 1000, 1) as max_s,
       arg_max((json ->> 'runId')::bigint, (json ->> 'ms')::double) as slowest_run
from log_record
where (json ->> 'event') = 'task_succeeded' and (json ->> 'ms') is not null
group by all
order by max_s desc, task
limit 10
