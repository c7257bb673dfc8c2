/* {
  "materialized": "view",
  "description": "Businesses, type 2: one row per version with its validity window, payment level folded in.",
  "tests": [
    { "unique": "business_key" },
    { "unique": ["business_id", "valid_from"] },
    { "not_null": ["business_key", "business_id", "yelp_id", "business_name", "valid_from", "valid_to"] },
    { "accepted_values": { "column": "payment_level_symbol", "values": ["$", "$$", "$$$", "$$$$"] } },
    { "relationships": { "column": "city_id", "to": "dim_location", "field": "city_id" } },
    { "relationships": { "column": "county_id", "to": "dim_county", "field": "county_id" } }
  ]
} */

with versions as (

    select * from {{ ref('snap_business') }}

),

payment_levels as (

    select * from {{ current('stg_payment_level', 'payment_level_id') }}

),

final as (

    select
        -- keys
        versions.snapshot_id as business_key,
        versions.business_id,
        versions.yelp_id,
        -- attributes
        versions.business_name,
        versions.business_alias,
        payment_levels.payment_level_symbol,
        payment_levels.payment_level_name,
        versions.business_url,
        versions.phone,
        versions.display_phone,
        versions.address_line1,
        versions.address_line2,
        versions.address_line3,
        versions.zip_code,
        versions.latitude,
        versions.longitude,
        versions.distance_to_county_m,
        versions.is_closed,
        -- location
        versions.city_id,
        versions.county_id,
        -- validity
        versions.valid_from,
        coalesce(versions.valid_to, cast('9999-12-31' as date)) as valid_to,
        versions.is_current
    from versions
    left join payment_levels on payment_levels.payment_level_id = versions.payment_level_id

)

select * from final
