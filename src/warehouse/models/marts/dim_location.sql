/* {
  "materialized": "table",
  "description": "Cities flattened with their county, state and country (type 1: the latest extracted names).",
  "tests": [
    { "unique": "city_id" },
    { "not_null": ["city_id", "city_name", "state_id", "state_code"] },
    { "relationships": { "column": "county_id", "to": "dim_county", "field": "county_id" } }
  ]
} */

with cities as (

    select * from {{ current('stg_city', 'city_id') }}

),

counties as (

    select * from {{ current('stg_county', 'county_id') }}

),

states as (

    select * from {{ current('stg_state', 'state_id') }}

),

countries as (

    select * from {{ current('stg_country', 'country_id') }}

),

final as (

    select
        cities.city_id,
        cities.city_name,
        counties.county_id,
        counties.county_name,
        counties.county_fips_code,
        states.state_id,
        states.state_name,
        states.state_code,
        countries.country_code,
        countries.country_name
    from cities
    -- a city whose county lies in another state has no county (kept, not dropped)
    left join counties on counties.county_id = cities.county_id
    left join states on states.state_id = cities.state_id
    left join countries on countries.country_id = states.country_id

)

select * from final
