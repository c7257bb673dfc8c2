/* {
  "materialized": "view",
  "description": "Counties as the Census names them."
} */

with source as (

    select * from {{ source('lake', 'county') }}

),

renamed as (

    select
        -- ids
        county_id,
        state_id,
        -- text
        fips_code as county_fips_code,
        county_name,
        -- extraction
        updated_at,
        dt as extracted_on
    from source

)

select * from renamed
