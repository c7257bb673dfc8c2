/* {
  "materialized": "view",
  "description": "Countries as extracted (one row per extracted version)."
} */

with source as (

    select * from {{ source('lake', 'country') }}

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

select * from renamed
