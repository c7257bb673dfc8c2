-- staging/stg_event (view)

-- view
create or replace view `gourmand.warehouse_staging.stg_event` as
with source as (

    select * from `gourmand.warehouse_lake.event`

),

renamed as (

    select
        -- ids
        event_id,
        yelp_event_id,
        business_id,
        event_category_id,
        city_id,
        -- text
        name as event_name,
        description as event_description,
        tickets_url,
        event_site_url,
        image_url,
        address1 as address_line1,
        zip_code,
        -- numerics
        attending_count,
        interested_count,
        cost,
        cost_max,
        latitude,
        longitude,
        -- booleans
        is_free,
        is_canceled,
        is_official,
        -- timestamps
        starts_at,
        ends_at,
        -- dates
        valid_to as deleted_on,
        -- extraction
        updated_at,
        dt as extracted_on
    from source

)

select * from renamed;
