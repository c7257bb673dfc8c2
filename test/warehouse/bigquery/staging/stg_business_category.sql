-- staging/stg_business_category (view)

-- view
create or replace view `gourmand.warehouse_staging.stg_business_category` as
with source as (

    select * from `gourmand.warehouse_lake.business_category`

),

renamed as (

    select
        -- ids
        category_id,
        alias as category_alias,
        parent_alias as parent_category_alias,
        -- text
        title as category_name,
        -- dates
        valid_to as deleted_on,
        -- extraction
        updated_at,
        dt as extracted_on
    from source

)

select * from renamed;
