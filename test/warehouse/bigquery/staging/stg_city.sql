-- staging/stg_city (view)

-- view
create or replace view `gourmand.warehouse_staging.stg_city` as
with source as (

    select * from `gourmand.warehouse_lake.city`

),

renamed as (

    select
        -- ids
        city_id,
        state_id,
        county_id,
        -- text
        city_name,
        -- extraction
        updated_at,
        dt as extracted_on
    from source

)

select * from renamed;
