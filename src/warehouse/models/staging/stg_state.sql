/* {
  "materialized": "view",
  "description": "US states and territories."
} */

with source as (

    select * from {{ source('lake', 'state') }}

),

renamed as (

    select
        -- ids
        state_id,
        country_id,
        -- text
        state_name,
        state_code,
        fips_code as state_fips_code,
        -- extraction
        updated_at,
        dt as extracted_on
    from source

)

select * from renamed
