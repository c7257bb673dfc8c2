/* {
  "materialized": "view",
  "description": "Per county: population, open businesses and current reviews, and both per 100,000 residents.",
  "tests": [{ "unique": "county_id" }]
} */

with counties as (

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

business_counts as (

    select county_id, count(*) as businesses
    from businesses
    group by county_id

),

review_counts as (

    select businesses.county_id, count(*) as reviews
    from reviews
    join businesses on businesses.business_id = reviews.business_id
    group by businesses.county_id

),

final as (

    select
        counties.county_id,
        counties.county_fips_code,
        counties.county_name,
        counties.state_code,
        counties.population,
        coalesce(business_counts.businesses, 0) as businesses,
        coalesce(review_counts.reviews, 0) as reviews,
        100000.0 * coalesce(business_counts.businesses, 0) / nullif(counties.population, 0) as businesses_per_100k,
        100000.0 * coalesce(review_counts.reviews, 0) / nullif(counties.population, 0) as reviews_per_100k
    from counties
    left join business_counts on business_counts.county_id = counties.county_id
    left join review_counts on review_counts.county_id = counties.county_id

)

select * from final
