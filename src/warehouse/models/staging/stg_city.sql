/* {
  "materialized": "view",
  "description": "Cities, unique per name, county and state."
} */

with source as (

    select * from {{ source('lake', 'city') }}

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

select * from renamed
