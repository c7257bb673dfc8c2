-- REST API: accounts, refresh tokens, favourites and notes (schema api); admin corrections are
-- audited in ops.audit_log. Source tables stay untouched: notes are ours, not Yelp reviews.

create schema if not exists api;

create table api.account (
  account_id      serial primary key,
  email           text not null check (length(email) between 3 and 254),
  password_hash   text not null,                 -- argon2id PHC string
  role            text not null default 'user' check (role in ('user', 'moderator', 'admin')),
  email_verified  boolean not null default false,
  created_at      timestamptz not null default now(),
  updated_at      timestamptz not null default now()
);

-- E-mail addresses are compared case-insensitively (Alice@x and alice@x are one account).
create unique index account_email_key on api.account (lower(email));

-- Opaque refresh tokens, stored as SHA-256 hashes. A login starts a family; each refresh revokes
-- the token it used and issues the next one in the same family, so reusing a revoked token is
-- detected and revokes the whole family.
create table api.refresh_token (
  refresh_token_id  bigserial primary key,
  account_id        int not null references api.account on delete cascade,
  family_id         uuid not null,
  token_hash        text not null unique,
  expires_at        timestamptz not null,
  created_at        timestamptz not null default now(),
  revoked_at        timestamptz
);

create index refresh_token_family_id_idx on api.refresh_token (family_id);

create table api.favourite (
  account_id   int not null references api.account on delete cascade,
  business_id  int not null references business on delete cascade,
  created_at   timestamptz not null default now(),
  primary key (account_id, business_id)
);

create table api.note (
  note_id      serial primary key,
  account_id   int not null references api.account on delete cascade,
  business_id  int not null references business on delete cascade,
  body         text not null check (length(body) between 1 and 4000),
  rating       smallint check (rating between 1 and 5),
  hidden_at    timestamptz,                       -- set by a moderator; hidden notes are not listed
  hidden_by    int references api.account on delete set null,
  created_at   timestamptz not null default now(),
  updated_at   timestamptz not null default now()
);

create index note_business_id_idx on api.note (business_id, note_id);
create index note_account_id_idx on api.note (account_id);

-- Who changed which record, from what to what. No foreign key to the account: the trail outlives it.
create table ops.audit_log (
  audit_id     bigserial primary key,
  account_id   int not null,
  actor_email  text not null,
  action       text not null,
  entity       text not null,
  entity_id    text not null,
  before       jsonb,
  after        jsonb,
  at           timestamptz not null default now()
);

create index audit_log_entity_idx on ops.audit_log (entity, entity_id);
