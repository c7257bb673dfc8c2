-- SCD2 invariant: a business has at most one current version, and its windows do not overlap.
select a.business_id, a.business_key, b.business_key as overlapping_key
from {{ ref('dim_business') }} as a
join {{ ref('dim_business') }} as b
    on a.business_id = b.business_id
    and a.business_key <> b.business_key
    and a.valid_from < b.valid_to
    and b.valid_from < a.valid_to
