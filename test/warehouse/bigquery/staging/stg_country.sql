-- staging/stg_country (view)

-- view
create or replace view `gourmand.warehouse_staging.stg_country` as
with source as (

    select * from `gourmand.warehouse_lake.country`

),

renamed as (

    select
        -- ids
        country_id,
        -- text
        country_code,
        country_name,
        -- extraction
        updated_at,
        dt as extracted_on
    from source

)

select * from renamed;
