/* {
  "materialized": "view",
  "description": "Yelp users who wrote the reviews."
} */

with source as (

    select * from {{ source('lake', 'yelp_user') }}

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

select * from renamed
