/* { "severity": "warn" } */

-- Yelp review counts only grow; a drop means a review was removed (or a bad pull) — worth a look.
select business_id, holding_date, review_count, reviews_gained
from {{ ref('fct_business_holding') }}
where reviews_gained < 0
