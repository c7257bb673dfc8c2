-- staging/stg_review (view)

-- view
create or replace view `gourmand.warehouse_staging.stg_review` as
with source as (

    select * from `gourmand.warehouse_lake.review`

),

renamed as (

    select
        -- ids
        review_id,
        yelp_review_id,
        business_id,
        user_id,
        -- text
        url as review_url,
        text as review_excerpt,
        -- numerics
        rating as review_rating,
        -- timestamps
        created_at,
        -- dates
        valid_to as deleted_on,
        -- extraction
        updated_at,
        dt as extracted_on
    from source

)

select * from renamed;
