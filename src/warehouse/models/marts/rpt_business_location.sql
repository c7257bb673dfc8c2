/* {
  "materialized": "view",
  "description": "Current open businesses with coordinates: the points of the map's density layer, with their state and county.",
  "tests": [
    { "unique": "business_id" },
    { "not_null": ["business_id", "latitude", "longitude", "state_code"] }
  ]
} */

with businesses as (

    select * from {{ ref('dim_business') }}
    where is_current and not is_closed and latitude is not null and longitude is not null

),

counties as (

    select county_id, county_fips_code, state_code from {{ ref('dim_county') }}

),

final as (

    select
        businesses.business_id,
        businesses.latitude,
        businesses.longitude,
        counties.state_code,
        counties.county_fips_code
    from businesses
    join counties on counties.county_id = businesses.county_id

)

select * from final
