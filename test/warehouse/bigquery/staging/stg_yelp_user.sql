-- staging/stg_yelp_user (view)

-- view
create or replace view `gourmand.warehouse_staging.stg_yelp_user` as
with source as (

    select * from `gourmand.warehouse_lake.yelp_user`

),

renamed as (

    select
        -- ids
        user_id,
        yelp_user_id,
        -- text
        profile_url as user_profile_url,
        image_url as user_image_url,
        name as user_name,
        -- extraction
        updated_at,
        dt as extracted_on
    from source

)

select * from renamed;
