-- Admin corrections of a business, kept apart from the source values the daily load maintains:
-- one row per corrected field (who, when, the value, why). Every reader of current business data
-- reads business_effective, the source row with its corrections applied; deleting a correction
-- restores the source value. ops.audit_log keeps the history of corrections and removals.

create table api.business_override (
  business_id  int not null references business on delete cascade,
  field        text not null check (field in (
                 'name', 'url', 'image_url', 'phone', 'display_phone', 'address1', 'address2',
                 'address3', 'zip_code', 'payment_level_id', 'is_closed')),
  value        jsonb not null,                    -- JSON null: corrected to null
  reason       text check (length(reason) <= 1000),
  account_id   int not null,                      -- no foreign key: the correction outlives the account
  actor_email  text not null,
  set_at       timestamptz not null default now(),
  primary key (business_id, field)
);

-- A correction set or removed is a change of the business as exported: the lake picks changed
-- rows by updated_at.
create function api.touch_overridden_business() returns trigger language plpgsql as $$
begin
  update public.business set updated_at = now()
  where business_id = coalesce(new.business_id, old.business_id);
  return null;
end
$$;

create trigger business_override_touch
after insert or update or delete on api.business_override
for each row execute function api.touch_overridden_business();

-- The columns of business, in its order, with the corrections applied. An admin closure follows
-- the source's rule: closed means valid_to is set (the source's closure date, else the date of
-- the correction, UTC); reopening clears both.
create view business_effective as
select
  b.business_id,
  b.yelp_id,
  b.alias,
  case when o.f ? 'name' then o.f ->> 'name' else b.name end as name,
  case when o.f ? 'url' then o.f ->> 'url' else b.url end as url,
  case when o.f ? 'image_url' then o.f ->> 'image_url' else b.image_url end as image_url,
  case when o.f ? 'phone' then o.f ->> 'phone' else b.phone end as phone,
  case when o.f ? 'display_phone' then o.f ->> 'display_phone' else b.display_phone end as display_phone,
  case when o.f ? 'payment_level_id' then (o.f ->> 'payment_level_id')::smallint
       else b.payment_level_id end as payment_level_id,
  b.latitude,
  b.longitude,
  case when o.f ? 'address1' then o.f ->> 'address1' else b.address1 end as address1,
  case when o.f ? 'address2' then o.f ->> 'address2' else b.address2 end as address2,
  case when o.f ? 'address3' then o.f ->> 'address3' else b.address3 end as address3,
  case when o.f ? 'zip_code' then o.f ->> 'zip_code' else b.zip_code end as zip_code,
  b.city_id,
  b.county_id,
  b.distance_m,
  case when o.f ? 'is_closed' then (o.f ->> 'is_closed')::boolean else b.is_closed end as is_closed,
  b.first_seen,
  b.last_seen,
  b.updated_at,
  case when not coalesce(o.f ? 'is_closed', false) then b.valid_to
       when (o.f ->> 'is_closed')::boolean then coalesce(b.valid_to, o.closed_on)
  end as valid_to
from business b
left join (
  select business_id,
         jsonb_object_agg(field, value) as f,
         max((set_at at time zone 'UTC')::date) filter (where field = 'is_closed') as closed_on
  from api.business_override
  group by business_id
) o on o.business_id = b.business_id;
