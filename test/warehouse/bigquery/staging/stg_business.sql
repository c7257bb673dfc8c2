-- staging/stg_business (view)

-- view
create or replace view `gourmand.warehouse_staging.stg_business` as
with source as (

    select * from `gourmand.warehouse_lake.business`

),

renamed as (

    select
        -- ids
        business_id,
        yelp_id,
        payment_level_id,
        city_id,
        county_id,
        -- text
        alias as business_alias,
        name as business_name,
        url as business_url,
        image_url,
        phone,
        display_phone,
        address1 as address_line1,
        address2 as address_line2,
        address3 as address_line3,
        zip_code,
        -- numerics
        latitude,
        longitude,
        distance_m as distance_to_county_m,
        -- booleans
        is_closed,
        -- dates
        first_seen as first_seen_on,
        last_seen as last_seen_on,
        valid_to as deleted_on,
        -- extraction
        updated_at,
        dt as extracted_on
    from source

)

select * from renamed;
