/* {
  "materialized": "view",
  "description": "Per state: population, open businesses and current reviews, and both per 100,000 residents.",
  "tests": [{ "unique": "state_code" }]
} */

with states as (

    select * from {{ current('stg_state', 'state_id') }}

),

counties as (

    select * from {{ ref('dim_county') }}

),

businesses as (

    select * from {{ ref('dim_business') }}
    where is_current and not is_closed

),

reviews as (

    select * from {{ ref('dim_review') }}
    where is_current

),

per_state as (

    -- every state, also those without counties (territories the Census does not estimate)
    select
        states.state_code,
        states.state_name,
        sum(counties.population) as population
    from states
    left join counties on counties.state_id = states.state_id
    group by states.state_code, states.state_name

),

business_counts as (

    select counties.state_code, count(*) as businesses
    from businesses
    join counties on counties.county_id = businesses.county_id
    group by counties.state_code

),

review_counts as (

    select counties.state_code, count(*) as reviews
    from reviews
    join businesses on businesses.business_id = reviews.business_id
    join counties on counties.county_id = businesses.county_id
    group by counties.state_code

),

final as (

    select
        per_state.state_code,
        per_state.state_name,
        per_state.population,
        coalesce(business_counts.businesses, 0) as businesses,
        coalesce(review_counts.reviews, 0) as reviews,
        100000.0 * coalesce(business_counts.businesses, 0) / nullif(per_state.population, 0) as businesses_per_100k,
        100000.0 * coalesce(review_counts.reviews, 0) / nullif(per_state.population, 0) as reviews_per_100k
    from per_state
    left join business_counts on business_counts.state_code = per_state.state_code
    left join review_counts on review_counts.state_code = per_state.state_code

)

select * from final
