-- Gourmand source database: the normalized model of the original's _Production schema,
-- keyed by the sources' natural keys with stable surrogate keys (reference §1.4, §8).
-- Every table a later stage exports incrementally carries updated_at; rows that can disappear
-- from a source carry valid_to (null while current: a soft delete, never a hard one).

create schema if not exists ops;

-- Geography ----------------------------------------------------------------------------------

create table country (
  country_id    smallserial primary key,
  country_code  char(2) not null unique,          -- ISO 3166-1 alpha-2, as Yelp's location.country
  country_name  text not null unique,
  updated_at    timestamptz not null default now()
);

create table state (
  state_id      serial primary key,
  state_name    text not null unique,
  state_code    char(2) not null unique,          -- USPS abbreviation
  fips_code     char(2) unique,                   -- Census FIPS; null for places the Census does not estimate
  country_id    smallint not null references country,
  updated_at    timestamptz not null default now()
);

create table county (
  county_id     serial primary key,
  fips_code     char(5) not null unique,          -- state FIPS || county FIPS
  county_name   text not null,                    -- as the Census names it, e.g. "Fairfax County"
  state_id      int not null references state,
  updated_at    timestamptz not null default now(),
  unique (state_id, county_name)
);

create table county_population (
  county_id     int not null references county,
  year          smallint not null check (year between 1790 and 2200),
  population    int not null check (population >= 0),
  updated_at    timestamptz not null default now(),
  primary key (county_id, year)
);

-- A city is unique per name, county and state. county_id is null when a business's city lies in a
-- state other than the county it was found under (the original dropped those rows silently).
create table city (
  city_id       serial primary key,
  city_name     text not null,
  state_id      int not null references state,
  county_id     int references county,
  updated_at    timestamptz not null default now(),
  unique nulls not distinct (state_id, county_id, city_name)
);

-- Businesses ---------------------------------------------------------------------------------

create table payment_level (
  payment_level_id  smallint primary key,
  symbol            text not null unique,
  name              text not null unique
);

insert into payment_level (payment_level_id, symbol, name) values
  (1, '$', 'Very Low'), (2, '$$', 'Low'), (3, '$$$', 'High'), (4, '$$$$', 'Very High');

create table business (
  business_id       serial primary key,
  yelp_id           text not null unique,         -- natural key
  alias             text not null,
  name              text not null,
  url               text,
  image_url         text,
  phone             text,
  display_phone     text,
  payment_level_id  smallint references payment_level,   -- null: Yelp gave no price
  latitude          numeric(9, 6),
  longitude         numeric(9, 6),
  address1          text,
  address2          text,
  address3          text,
  zip_code          text,
  city_id           int not null references city,
  county_id         int not null references county,      -- the county it was found under
  distance_m        double precision,
  is_closed         boolean not null default false,
  first_seen        date not null,
  last_seen         date not null,
  updated_at        timestamptz not null default now(),
  valid_to          date,
  check (last_seen >= first_seen)
);

create index business_city_id_idx on business (city_id);
create index business_county_id_idx on business (county_id);

create table business_category (
  category_id   serial primary key,
  alias         text not null unique,
  title         text not null,
  parent_alias  text,
  updated_at    timestamptz not null default now(),
  valid_to      date
);

create table business_category_bridge (
  business_id   int not null references business on delete cascade,
  category_id   int not null references business_category,
  updated_at    timestamptz not null default now(),
  valid_to      date,
  primary key (business_id, category_id)
);

create index business_category_bridge_category_id_idx on business_category_bridge (category_id);

create table transaction_type (
  transaction_type_id  smallserial primary key,
  name                 text not null unique,      -- pickup, delivery, restaurant_reservation
  updated_at           timestamptz not null default now()
);

create table business_transaction_bridge (
  business_id          int not null references business on delete cascade,
  transaction_type_id  smallint not null references transaction_type,
  updated_at           timestamptz not null default now(),
  valid_to             date,
  primary key (business_id, transaction_type_id)
);

-- The daily history: one row per business per date.
create table business_holding (
  business_id   int not null references business on delete cascade,
  holding_date  date not null,
  rating        numeric(2, 1) not null check (rating between 0 and 5),
  review_count  int not null check (review_count >= 0),
  updated_at    timestamptz not null default now(),
  primary key (business_id, holding_date)
);

create index business_holding_holding_date_idx on business_holding (holding_date);

-- Reviews and events -------------------------------------------------------------------------

create table yelp_user (
  user_id       serial primary key,
  yelp_user_id  text not null unique,
  profile_url   text,
  image_url     text,
  name          text,
  updated_at    timestamptz not null default now()
);

create table review (
  review_id       serial primary key,
  yelp_review_id  text not null unique,
  business_id     int not null references business on delete cascade,
  user_id         int not null references yelp_user,
  url             text,
  text            text,
  rating          smallint not null check (rating between 1 and 5),
  created_at      timestamptz not null,           -- Yelp's time_created
  updated_at      timestamptz not null default now(),
  valid_to        date
);

create index review_business_id_idx on review (business_id);

-- Shipped unlinked from event on purpose, as in the original; 0002 adds the link.
create table event_category (
  event_category_id  serial primary key,
  name               text not null unique,
  updated_at         timestamptz not null default now()
);

create table event (
  event_id          serial primary key,
  yelp_event_id     text not null unique,
  business_id       int references business,
  category          text,                         -- raw Yelp category until 0002 links event_category
  name              text not null,
  description       text,
  attending_count   int check (attending_count >= 0),
  interested_count  int check (interested_count >= 0),
  cost              numeric(12, 2),
  cost_max          numeric(12, 2),
  is_free           boolean not null default false,
  is_canceled       boolean not null default false,
  is_official       boolean not null default false,
  starts_at         timestamptz,
  ends_at           timestamptz,
  tickets_url       text,
  event_site_url    text,
  image_url         text,
  latitude          numeric(9, 6),
  longitude         numeric(9, 6),
  address1          text,
  zip_code          text,
  city_id           int references city,
  updated_at        timestamptz not null default now(),
  valid_to          date
);

-- Operations: what every pipeline run did ----------------------------------------------------

create table ops.pipeline_run (
  run_id      bigserial primary key,
  run_date    date not null,
  executor    text not null default 'in-process',
  status      text not null check (status in ('running', 'succeeded', 'failed', 'cancelled')),
  started_at  timestamptz not null default now(),
  ended_at    timestamptz,
  error       text
);

create index pipeline_run_run_date_idx on ops.pipeline_run (run_date);

create table ops.task_run (
  task_run_id  bigserial primary key,
  run_id       bigint not null references ops.pipeline_run on delete cascade,
  task_name    text not null,
  attempt      smallint not null check (attempt >= 1),
  status       text not null check (status in ('running', 'succeeded', 'failed', 'skipped', 'cancelled')),
  started_at   timestamptz not null default now(),
  ended_at     timestamptz,
  rows         bigint,
  error        text,
  unique (run_id, task_name, attempt)
);

create table ops.check_result (
  check_result_id  bigserial primary key,
  run_id           bigint references ops.pipeline_run on delete cascade,
  run_date         date not null,
  check_name       text not null,
  entity           text not null,
  severity         text not null check (severity in ('warn', 'error')),
  status           text not null check (status in ('pass', 'warn', 'fail')),
  expected         numeric,
  actual           numeric,
  details          jsonb not null default '{}',
  checked_at       timestamptz not null default now()
);

create index check_result_run_date_idx on ops.check_result (run_date);
