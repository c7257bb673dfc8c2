-- Tokens mailed to an address: e-mail verification and password reset. Stored as SHA-256 hashes,
-- bound to the address they were sent to (a token for an old address verifies nothing), and used
-- at most once (used_at).

create table api.email_token (
  email_token_id  bigserial primary key,
  account_id      int not null references api.account on delete cascade,
  purpose         text not null check (purpose in ('verify', 'reset')),
  email           text not null,
  token_hash      text not null unique,
  expires_at      timestamptz not null,
  created_at      timestamptz not null default now(),
  used_at         timestamptz
);

create index email_token_account_idx on api.email_token (account_id, purpose);
