-- staging/stg_business_category_bridge (view)

-- view
create or replace view `gourmand.warehouse_staging.stg_business_category_bridge` as
with source as (

    select * from `gourmand.warehouse_lake.business_category_bridge`

),

renamed as (

    select
        -- ids
        business_id,
        category_id,
        -- dates
        valid_to as deleted_on,
        -- extraction
        updated_at,
        dt as extracted_on
    from source

)

select * from renamed;
