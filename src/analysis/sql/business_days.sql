-- One row per business and day of the window with a known change since the day before.
select
    holdings.business_id,
    profile.yelp_id,
    profile.state_code,
    profile.chain_name,
    holdings.reviews_gained
from marts.fct_business_holding as holdings
join marts.rpt_business_profile as profile on profile.business_id = holdings.business_id
where holdings.holding_date > {{from}}
    and holdings.holding_date <= {{to}}
    and holdings.reviews_gained is not null
    and {{filters}}
order by holdings.business_id, holdings.holding_date
