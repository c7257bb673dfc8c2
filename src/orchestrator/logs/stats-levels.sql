-- Records per task and level across the runs read, and in how many runs each appeared.
select coalesce(json ->> 'task', '(run)') as task,
       case (json ->> 'level')::int
         when 10 then 'trace' when 20 then 'debug' when 30 then 'info'
         when 40 then 'warn' when 50 then 'error' else 'fatal'
       end as level,
       count(*) as records,
       count(distinct (json ->> 'runId')::bigint) as runs
from log_record
group by all
order by task, min((json ->> 'level')::int)
