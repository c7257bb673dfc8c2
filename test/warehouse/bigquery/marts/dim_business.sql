-- marts/dim_business (view)

-- view
create or replace view `gourmand.warehouse_marts.dim_business` as
with versions as (

    select * from `gourmand.warehouse_snapshots.snap_business`

),

payment_levels as (

    select * from (select * from `gourmand.warehouse_staging.stg_payment_level` where true qualify row_number() over (partition by payment_level_id order by extracted_on desc) = 1)

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

select * from final;
