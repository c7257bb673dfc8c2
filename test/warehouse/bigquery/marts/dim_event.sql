-- marts/dim_event (view)

-- view
create or replace view `gourmand.warehouse_marts.dim_event` as
with versions as (

    select * from `gourmand.warehouse_snapshots.snap_event`

),

categories as (

    select * from (select * from `gourmand.warehouse_staging.stg_event_category` where true qualify row_number() over (partition by event_category_id order by extracted_on desc) = 1)

),

final as (

    select
        versions.snapshot_id as event_key,
        versions.event_id,
        versions.yelp_event_id,
        versions.business_id,
        versions.city_id,
        versions.event_name,
        categories.event_category_name,
        versions.event_description,
        versions.attending_count,
        versions.interested_count,
        versions.cost,
        versions.cost_max,
        versions.is_free,
        versions.is_canceled,
        versions.is_official,
        versions.starts_at,
        versions.ends_at,
        versions.tickets_url,
        versions.event_site_url,
        versions.latitude,
        versions.longitude,
        versions.zip_code,
        versions.valid_from,
        coalesce(versions.valid_to, cast('9999-12-31' as date)) as valid_to,
        versions.is_current
    from versions
    left join categories on categories.event_category_id = versions.event_category_id

)

select * from final;
