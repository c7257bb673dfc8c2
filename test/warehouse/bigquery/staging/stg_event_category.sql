-- staging/stg_event_category (view)

-- view
create or replace view `gourmand.warehouse_staging.stg_event_category` as
with source as (

    select * from `gourmand.warehouse_lake.event_category`

),

renamed as (

    select
        -- ids
        event_category_id,
        -- text
        name as event_category_name,
        -- extraction
        updated_at,
        dt as extracted_on
    from source

)

select * from renamed;
