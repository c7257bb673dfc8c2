-- Run logs: every run writes its whole JSON-line log to a file in the state folder (rotated by
-- LOG_RETENTION_DAYS); the run records where. On a PostgreSQL server its warnings and errors are
-- also kept here, a bounded number per run, so they outlive the files and reach other hosts.

alter table ops.pipeline_run add column log_file text;

create table ops.task_log (
  task_log_id  bigserial primary key,
  run_id       bigint not null references ops.pipeline_run on delete cascade,
  task_name    text,
  level        text not null,
  logged_at    timestamptz not null,
  msg          text not null,
  record       jsonb not null
);

create index task_log_run_idx on ops.task_log (run_id, task_log_id);
