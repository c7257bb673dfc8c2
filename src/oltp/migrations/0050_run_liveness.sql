-- Issue 16: honest run history and fenced tasks.

-- Which process runs a run and when it last showed life: a run whose process died is closed as
-- 'abandoned' (by the next run or `gourmand status`) instead of staying 'running' for good.
alter table ops.pipeline_run
  add column host text,
  add column pid integer,
  add column heartbeat_at timestamptz;

alter table ops.pipeline_run drop constraint pipeline_run_status_check;
alter table ops.pipeline_run add constraint pipeline_run_status_check
  check (status in ('running', 'succeeded', 'failed', 'cancelled', 'abandoned'));

-- One lease per task of a run. Taking it over bumps the fencing token; a holder commits its
-- work only if the token it got is still the current one (checked inside its own transaction).
create table ops.task_lease (
  run_id      bigint not null references ops.pipeline_run on delete cascade,
  task_name   text not null,
  token       bigint not null,
  holder      text not null,
  acquired_at timestamptz not null default now(),
  primary key (run_id, task_name)
);

-- A scheduled date that could not be run honestly (live APIs only answer with today's state).
create table ops.run_gap (
  run_date    date primary key,
  reason      text not null,
  recorded_at timestamptz not null default now()
);
