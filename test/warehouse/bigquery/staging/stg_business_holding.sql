-- staging/stg_business_holding (view)

-- view
create or replace view `gourmand.warehouse_staging.stg_business_holding` as
with source as (

    select * from `gourmand.warehouse_lake.business_holding`

),

renamed as (

    select
        -- ids
        business_id,
        -- numerics
        rating,
        review_count,
        -- dates
        holding_date,
        -- extraction
        updated_at,
        dt as extracted_on
    from source

)

select * from renamed;
