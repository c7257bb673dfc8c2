/* {
  "materialized": "view",
  "description": "One row per business and holding date, with what segments filter and group by: payment level ('unknown' when unset), state, rating and review count that day. Review growth per day over a window is (last review count - first) / days between them.",
  "tests": [
    { "unique": ["business_id", "holding_date"] },
    { "not_null": ["business_id", "holding_date", "payment_level_symbol", "state_code", "rating", "review_count"] },
    { "accepted_values": { "column": "payment_level_symbol", "values": ["$", "$$", "$$$", "$$$$", "unknown"] } }
  ]
} */

with businesses as (

    select * from {{ ref('dim_business') }}
    where is_current

),

holdings as (

    select * from {{ ref('fct_business_holding') }}

),

counties as (

    select county_id, state_code from {{ ref('dim_county') }}

),

final as (

    select
        holdings.business_id,
        holdings.holding_date,
        coalesce(businesses.payment_level_symbol, 'unknown') as payment_level_symbol,
        counties.state_code,
        holdings.rating,
        holdings.review_count
    from holdings
    join businesses on businesses.business_id = holdings.business_id
    join counties on counties.county_id = businesses.county_id

)

select * from final
