-- business_effective (0062) fixed its column list before 0070 gave business its change_xid: the
-- lake export reads the view and picks changed rows by change_xid, so the view carries it too (a
-- correction set or removed touches the business row, which stamps it).
create or replace view business_effective as
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
  end as valid_to,
  b.change_xid
from business b
left join (
  select business_id,
         jsonb_object_agg(field, value) as f,
         max((set_at at time zone 'UTC')::date) filter (where field = 'is_closed') as closed_on
  from api.business_override
  group by business_id
) o on o.business_id = b.business_id;
