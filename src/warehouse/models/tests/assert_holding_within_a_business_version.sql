-- A holding must fall within one of its business's versions (or before the first): one outside
-- every version (a holding after the business closed) is reported, not matched to the nearest.
select f.business_id, f.holding_date
from {{ ref('fct_business_holding') }} as f
where f.business_key is null
