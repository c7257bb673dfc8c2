-- One row per business held in the window: its first and last holding there, with its profile.
with holdings as (

    select business_id, holding_date, rating, review_count
    from marts.fct_business_holding
    where holding_date between {{from}} and {{to}}

),

ends as (

    select
        business_id,
        min(holding_date) as first_date,
        max(holding_date) as last_date,
        arg_min(review_count, holding_date) as first_review_count,
        arg_max(review_count, holding_date) as last_review_count,
        arg_max(rating, holding_date) as rating
    from holdings
    group by business_id

)

select
    profile.business_id,
    profile.yelp_id,
    profile.state_code,
    profile.payment_level,
    profile.category_group,
    profile.chain_name,
    profile.transaction_count,
    cast(ends.rating as double) as rating,
    ends.first_review_count,
    ends.last_review_count,
    date_diff('day', ends.first_date, ends.last_date) as days
from ends
join marts.rpt_business_profile as profile on profile.business_id = ends.business_id
where {{filters}}
order by profile.business_id
