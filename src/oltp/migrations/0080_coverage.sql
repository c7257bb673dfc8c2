-- Issue 14. The coverage ledger: per source, date and county, whether the county was pulled or
-- failed (with the reason, and whether retrying can help); a county without a row for a date was
-- not pulled that date. Which counties had their full first pull is read from it (mode 'full').
create table ops.coverage (
  source       text not null,
  run_date     date not null,
  county_fips  char(5) not null,
  status       text not null check (status in ('pulled', 'failed')),
  mode         text not null check (mode in ('full', 'daily')),
  reason       text,
  permanent    boolean not null default false,    -- a failure a retry cannot fix (LOCATION_NOT_FOUND, 404)
  calls        int not null default 0,
  recorded_at  timestamptz not null default now(),
  primary key (source, run_date, county_fips)
);

create index coverage_county_idx on ops.coverage (source, county_fips);

-- The sweep over every county that a quota-limited pull spreads over several days: it started on
-- `pass_started` after county `start_after` (rotation order is by FIPS, wrapping round).
create table ops.coverage_pass (
  source        text primary key,
  pass_started  date not null,
  start_after   char(5)
);

-- A task's result can be incomplete (a pull stopped by the quota): the run then ends 'partial'.
alter table ops.task_run add column partial text;

-- 'partial' is new here; 'abandoned' is issue 16's (whichever migration runs last keeps both).
alter table ops.pipeline_run drop constraint pipeline_run_status_check;
alter table ops.pipeline_run add constraint pipeline_run_status_check
  check (status in ('running', 'succeeded', 'failed', 'cancelled', 'partial', 'abandoned'));
