-- marts/dim_business_category (view)

-- view
create or replace view `gourmand.warehouse_marts.dim_business_category` as
with versions as (

    select * from `gourmand.warehouse_snapshots.snap_business_category`

),

final as (

    select
        snapshot_id as business_category_key,
        category_id,
        category_alias,
        category_name,
        parent_category_alias,
        valid_from,
        coalesce(valid_to, cast('9999-12-31' as date)) as valid_to,
        is_current
    from versions

)

select * from final;
