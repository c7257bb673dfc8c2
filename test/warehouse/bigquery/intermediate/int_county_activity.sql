-- intermediate/int_county_activity (view)

-- view
create or replace view `gourmand.warehouse_intermediate.int_county_activity` as
with businesses as (

    select business_id, county_id from `gourmand.warehouse_marts.dim_business`
    where is_current and not is_closed

),

reviews as (

    select business_id from `gourmand.warehouse_marts.dim_review`
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
        business_counts.county_id,
        business_counts.businesses,
        coalesce(review_counts.reviews, 0) as reviews
    from business_counts
    left join review_counts on review_counts.county_id = business_counts.county_id

)

select * from final;
